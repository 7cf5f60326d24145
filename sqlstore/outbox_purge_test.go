package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

// TestPurgeSentOutbox: batches the hub took before the cutoff go, with
// their records; batches sent later, batches not sent and records not
// packed stay.
func TestPurgeSentOutbox(t *testing.T) {
	db := storetest.MustOpenDB(t)
	pack := func(n int, id string, sentAt time.Time) {
		t.Helper()
		var recs []*healthcode.OutboxRecord
		for i := range n {
			recs = append(recs, outboxRecord("CN-440100", fmt.Sprint(id, "-", i)))
		}
		mustQueue(t, db, recs...)
		queued, err := db.UnpackedOutbox(ctx, "CN-440100", n)
		if err != nil || len(queued) != n {
			t.Fatalf("unpacked %d, %v", len(queued), err)
		}
		var seqs []int64
		for _, r := range queued {
			seqs = append(seqs, r.Seq)
		}
		b := &healthcode.OutboxBatch{ID: strings.Repeat(id, 32), To: "CN-440100", Signed: "jws-" + id, Records: n, CreatedAt: t0}
		if err := db.PackOutbox(ctx, b, seqs); err != nil {
			t.Fatal(err)
		}
		if !sentAt.IsZero() {
			if err := db.MarkOutboxSent(ctx, b.ID, sentAt); err != nil {
				t.Fatal(err)
			}
		}
	}
	cutoff := t0.Add(24 * time.Hour)
	pack(3, "a", t0.Add(time.Hour))      // sent long ago: purged
	pack(2, "b", cutoff.Add(-time.Hour)) // sent before the cutoff: purged
	pack(4, "c", cutoff.Add(time.Hour))  // sent after: kept
	pack(1, "d", time.Time{})            // not sent: kept
	mustQueue(t, db, outboxRecord("CN-440100", "e"))

	records, batches, err := db.PurgeSentOutbox(ctx, cutoff)
	if err != nil || records != 5 || batches != 2 {
		t.Fatalf("purged %d records in %d batches (%v), want 5 in 2", records, batches, err)
	}
	count := func(table string) int {
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if r, b := count("outbox"), count("outbox_batches"); r != 6 || b != 2 {
		t.Fatalf("left %d records in %d batches, want 6 in 2", r, b)
	}
	if n := mustUnsent(t, db); n != 2 {
		t.Errorf("unsent %d, want 2 (batch d and record e)", n)
	}
	if records, batches, err := db.PurgeSentOutbox(ctx, cutoff); err != nil || records != 0 || batches != 0 {
		t.Errorf("purged again: %d, %d, %v", records, batches, err)
	}
}
