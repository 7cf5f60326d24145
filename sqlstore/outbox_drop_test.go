package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// outboxState is what a drop may change, read straight from the tables,
// each id cut to its first character: the batches (parked, sent,
// refusals), the records of each batch ("-": not packed), the drops
// (records), each part ended by "|".
func outboxState(t *testing.T, db *sqlstore.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, CASE WHEN parked_at > 0 THEN 1 ELSE 0 END, CASE WHEN sent_at > 0 THEN 1 ELSE 0 END, refusals FROM outbox_batches ORDER BY id`,
		`SELECT COALESCE(batch_id, '-'), count(*), 0, 0 FROM outbox GROUP BY batch_id ORDER BY COALESCE(batch_id, '-')`,
		`SELECT batch_id, records, 0, 0 FROM outbox_drops ORDER BY batch_id`,
	} {
		rows, err := db.SQL().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			var x, y, z int64
			if err := rows.Scan(&id, &x, &y, &z); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %d %d %d; ", id[:1], x, y, z)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		b.WriteString("| ")
	}
	return b.String()
}

// TestOutboxDrop: a parked batch is dropped with its records, in one
// transaction, and the drop is kept with the batch's region, records,
// refusals, the hub's last status and code, when it was parked, when it
// was dropped and why, nothing of the records; the parked count goes down.
// A batch not parked, sent or unknown, a drop without a reason, and a
// drop of several of which one cannot be, change nothing.
func TestOutboxDrop(t *testing.T) {
	db := storetest.MustOpenDB(t)
	a := packBatch(t, db, "CN-440100", "a", 2, t0)                    // parked: dropped
	b := packBatch(t, db, "CN-440100", "b", 1, t0.Add(time.Second))   // refused once: waiting
	c := packBatch(t, db, "CN-440100", "c", 1, t0.Add(2*time.Second)) // sent
	d := packBatch(t, db, "CN-110100", "d", 3, t0.Add(3*time.Second)) // parked, stays
	e := packBatch(t, db, "CN-440100", "e", 1, t0.Add(4*time.Second)) // never refused: due
	mustQueue(t, db, outboxRecord("CN-440100", "unpacked"))           // not packed
	conflict := healthcode.OutboxRefusal{Status: 409, Code: healthcode.ECONFLICT,
		Message: "batch " + a.ID + " is stored with other content", At: t0.Add(time.Minute)}
	for _, id := range []string{a.ID, a.ID, d.ID, d.ID} {
		if _, _, err := db.RefuseOutboxBatch(ctx, id, conflict, t0.Add(time.Hour), 2); err != nil {
			t.Fatal(err)
		}
	}
	if _, parked, err := db.RefuseOutboxBatch(ctx, b.ID, conflict, t0.Add(time.Hour), 2); err != nil || parked {
		t.Fatalf("b refused once: parked %v, %v", parked, err)
	}
	if err := db.MarkOutboxSent(ctx, c.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	before := outboxState(t, db)
	if want := "a 1 0 2; b 0 0 1; c 0 1 0; d 1 0 2; e 0 0 0; | - 1 0 0; a 2 0 0; b 1 0 0; c 1 0 0; d 3 0 0; e 1 0 0; | | "; before != want {
		t.Fatalf("the outbox before the drops:\n%s\nwant\n%s", before, want)
	}
	unsent := mustUnsent(t, db)

	dropAt := t0.Add(2 * time.Hour)
	for _, tc := range []struct {
		what   string
		ids    []string
		reason string
		code   string
		says   string
	}{
		{"no reason", []string{a.ID}, " \t", healthcode.EINVALID, "reason"},
		{"a reason too long", []string{a.ID}, strings.Repeat("x", healthcode.MaxOutboxDropReason+1), healthcode.EINVALID, "reason"},
		{"a batch waiting out a backoff", []string{b.ID}, "409", healthcode.ECONFLICT, b.ID + " is not parked"},
		{"a batch due", []string{e.ID}, "409", healthcode.ECONFLICT, e.ID + " is not parked"},
		{"a batch sent", []string{c.ID}, "409", healthcode.ECONFLICT, c.ID + " was taken by the hub"},
		{"an unknown batch", []string{strings.Repeat("9", 32)}, "409", healthcode.ENOTFOUND, "not found"},
		{"a parked batch and one not", []string{a.ID, b.ID}, "409", healthcode.ECONFLICT, b.ID + " is not parked"},
		{"a parked batch and a sent one", []string{d.ID, c.ID}, "409", healthcode.ECONFLICT, c.ID},
	} {
		drops, err := db.DropOutboxBatches(ctx, tc.ids, tc.reason, dropAt)
		if healthcode.ErrorCode(err) != tc.code || !strings.Contains(healthcode.ErrorMessage(err), tc.says) || drops != nil {
			t.Errorf("%s: %v, %v; want %s saying %q", tc.what, drops, err, tc.code, tc.says)
		}
		if after := outboxState(t, db); after != before {
			t.Fatalf("%s changed the outbox:\n%s\nwas\n%s", tc.what, after, before)
		}
	}

	reason := "409: the hub holds batch " + a.ID[:8] + "… with other content; the records go again in a new import"
	drops, err := db.DropOutboxBatches(ctx, []string{a.ID, a.ID}, "  "+reason+"\n", dropAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(drops) != 1 {
		t.Fatalf("dropped %d, want a once", len(drops))
	}
	want := healthcode.OutboxDrop{BatchID: a.ID, To: "CN-440100", Records: 2, CreatedAt: us(t0), Refusals: 2, LastStatus: 409,
		LastCode: healthcode.ECONFLICT, LastRefusedAt: us(conflict.At), ParkedAt: us(conflict.At), DroppedAt: us(dropAt), Reason: reason}
	if got := *drops[0]; got != want {
		t.Errorf("drop returned\n%+v, want\n%+v", got, want)
	}
	listed, err := db.ListOutboxDrops(ctx)
	if err != nil || len(listed) != 1 {
		t.Fatalf("drops listed %d, %v", len(listed), err)
	}
	if got := *listed[0]; got != want {
		t.Errorf("drop listed\n%+v, want\n%+v", got, want)
	}
	// a and its records are gone, nothing else is, and the drop is kept.
	if after, want := outboxState(t, db), "b 0 0 1; c 0 1 0; d 1 0 2; e 0 0 0; | - 1 0 0; b 1 0 0; c 1 0 0; d 3 0 0; e 1 0 0; | a 2 0 0; | "; after != want {
		t.Errorf("the outbox after the drop of a:\n%s\nwant\n%s", after, want)
	}
	if n := mustUnsent(t, db); n != unsent-2 {
		t.Errorf("unsent %d after the drop, want %d", n, unsent-2)
	}
	if parked, err := db.ParkedOutbox(ctx); err != nil || len(parked) != 1 || parked["CN-110100"] != 1 {
		t.Errorf("parked after the drop: %v, %v; want CN-110100's only", parked, err)
	}
	if list, err := db.ListOutboxBatches(ctx, true); err != nil || batchIDs(list) != "d" {
		t.Errorf("listed parked %s, %v", batchIDs(list), err)
	}
	if list, err := db.ListOutboxBatches(ctx, false); err != nil || batchIDs(list) != "b,d,e" {
		t.Errorf("listed unsent %s, %v", batchIDs(list), err)
	}
	if _, err := db.DropOutboxBatches(ctx, []string{a.ID}, "again", dropAt); healthcode.ErrorCode(err) != healthcode.ENOTFOUND ||
		!strings.Contains(healthcode.ErrorMessage(err), "dropped already") {
		t.Errorf("a dropped twice: %v", err)
	}
	wantCode(t, db.RequeueOutboxBatch(ctx, a.ID), healthcode.ENOTFOUND)
	wantCode(t, db.MarkOutboxSent(ctx, a.ID, dropAt), healthcode.ENOTFOUND)
	// The records went with the batch: queued again (a new import of
	// them), they are new, for a batch of another id.
	if n := mustQueue(t, db, outboxRecord("CN-440100", "a-0")); n != 1 {
		t.Errorf("a dropped record queued again: %d new, want 1", n)
	}

	// Two at once, of two regions.
	if err := db.RequeueOutboxBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, parked, err := db.RefuseOutboxBatch(ctx, b.ID, conflict, t0.Add(time.Hour), 1); err != nil || !parked {
		t.Fatalf("b parked: %v, %v", parked, err)
	}
	drops, err = db.DropOutboxBatches(ctx, []string{d.ID, b.ID}, "409 both", dropAt.Add(time.Minute))
	if err != nil || len(drops) != 2 || drops[0].BatchID != d.ID || drops[0].Records != 3 || drops[1].BatchID != b.ID || drops[1].Records != 1 {
		t.Fatalf("drop of d and b: %v, %v", drops, err)
	}
	if parked, err := db.ParkedOutbox(ctx); err != nil || len(parked) != 0 {
		t.Errorf("parked after every parked batch was dropped: %v, %v", parked, err)
	}
	if listed, err := db.ListOutboxDrops(ctx); err != nil || len(listed) != 3 || listed[0].BatchID != a.ID {
		t.Errorf("drops listed %d, %v", len(listed), err)
	}
}
