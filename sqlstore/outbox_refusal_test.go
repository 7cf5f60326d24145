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

// packBatch queues n records for to and packs them into a batch whose id
// is 32 times id, created at created.
func packBatch(t *testing.T, db *sqlstore.DB, to, id string, n int, created time.Time) *healthcode.OutboxBatch {
	t.Helper()
	var recs []*healthcode.OutboxRecord
	for i := range n {
		recs = append(recs, outboxRecord(to, fmt.Sprint(id, "-", i)))
	}
	mustQueue(t, db, recs...)
	queued, err := db.UnpackedOutbox(ctx, to, n)
	if err != nil || len(queued) != n {
		t.Fatalf("unpacked %d, %v", len(queued), err)
	}
	var seqs []int64
	for _, r := range queued {
		seqs = append(seqs, r.Seq)
	}
	b := &healthcode.OutboxBatch{ID: strings.Repeat(id, 32), To: to, Signed: "jws-" + id, Records: n, CreatedAt: created}
	if err := db.PackOutbox(ctx, b, seqs); err != nil {
		t.Fatal(err)
	}
	return b
}

// batchIDs is the ids of bs, each cut to its first character.
func batchIDs(bs []*healthcode.OutboxBatch) string {
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.ID[:1])
	}
	return strings.Join(ids, ",")
}

// TestOutboxRefusals: a refused batch keeps its refusals, the last one's
// status, code, message and time, and is not due before its backoff; at
// parkAfter refusals it is parked, never due, listed and counted, while
// the region's other batches stay due; requeued it is due again with no
// refusals; a batch sent, or unknown, is not refused or requeued.
func TestOutboxRefusals(t *testing.T) {
	db := storetest.MustOpenDB(t)
	a := packBatch(t, db, "CN-440100", "a", 2, t0)
	b := packBatch(t, db, "CN-440100", "b", 1, t0.Add(time.Second))
	c := packBatch(t, db, "CN-110100", "c", 1, t0.Add(2*time.Second))
	due := func(at time.Time) string {
		t.Helper()
		bs, err := db.DueOutboxBatches(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range bs {
			if x.Signed != "jws-"+x.ID[:1] {
				t.Errorf("due batch %s with body %q", x.ID, x.Signed)
			}
		}
		return batchIDs(bs)
	}
	if got := due(t0); got != "a,b,c" {
		t.Fatalf("due before any refusal: %s", got)
	}

	r := healthcode.OutboxRefusal{Status: 403, Code: healthcode.EFORBIDDEN, Message: "签名的密钥 kid AAAA 不在枢纽的名单上", At: t0.Add(time.Minute)}
	refuse := func(id string, r healthcode.OutboxRefusal, retryAt time.Time, parkAfter int) (int, bool) {
		t.Helper()
		n, parked, err := db.RefuseOutboxBatch(ctx, id, r, retryAt, parkAfter)
		if err != nil {
			t.Fatal(err)
		}
		return n, parked
	}
	if n, parked := refuse(a.ID, r, t0.Add(3*time.Minute), 3); n != 1 || parked {
		t.Fatalf("first refusal: %d refusals, parked %v", n, parked)
	}
	if got := due(t0.Add(3*time.Minute - time.Microsecond)); got != "b,c" {
		t.Errorf("due during the backoff: %s, want the others", got)
	}
	if got := due(t0.Add(3 * time.Minute)); got != "a,b,c" {
		t.Errorf("due after the backoff: %s", got)
	}
	bs, err := db.UnsentOutboxBatches(ctx)
	if err != nil || len(bs) != 3 {
		t.Fatalf("unsent %d, %v", len(bs), err)
	}
	if got := bs[0]; got.Refusals != 1 || got.LastRefusal.Status != 403 || got.LastRefusal.Code != r.Code ||
		got.LastRefusal.Message != r.Message || !got.LastRefusal.At.Equal(us(r.At)) || !got.RetryAt.Equal(us(t0.Add(3*time.Minute))) ||
		!got.ParkedAt.IsZero() || got.Signed != "jws-a" {
		t.Errorf("refused batch read back %+v", got)
	}

	r2 := healthcode.OutboxRefusal{Status: 409, Code: healthcode.ECONFLICT, Message: "stored with other content", At: t0.Add(5 * time.Minute)}
	if n, parked := refuse(a.ID, r2, t0.Add(9*time.Minute), 3); n != 2 || parked {
		t.Fatalf("second refusal: %d, parked %v", n, parked)
	}
	r3 := r2
	r3.At = t0.Add(10 * time.Minute)
	if n, parked := refuse(a.ID, r3, t0.Add(20*time.Minute), 3); n != 3 || !parked {
		t.Fatalf("third refusal of three: %d, parked %v", n, parked)
	}
	if got := due(t0.Add(1000 * time.Hour)); got != "b,c" {
		t.Errorf("due with a parked: %s, want the others, the same region's too", got)
	}
	// A refusal of a batch parked already (a second sender's post of it
	// was out) counts, and the park keeps its time.
	r4 := r3
	r4.At = t0.Add(11 * time.Minute)
	if n, parked := refuse(a.ID, r4, t0.Add(30*time.Minute), 3); n != 4 || !parked {
		t.Fatalf("refused when parked: %d, parked %v", n, parked)
	}
	parked, err := db.ListOutboxBatches(ctx, true)
	if err != nil || len(parked) != 1 {
		t.Fatalf("parked %d, %v", len(parked), err)
	}
	if p := parked[0]; p.ID != a.ID || p.To != "CN-440100" || p.Records != 2 || p.Refusals != 4 || p.LastRefusal.Status != 409 ||
		p.LastRefusal.Message != r2.Message || !p.LastRefusal.At.Equal(us(r4.At)) || !p.ParkedAt.Equal(us(r3.At)) || p.Signed != "" {
		t.Errorf("parked batch listed %+v", p)
	}
	if all, err := db.ListOutboxBatches(ctx, false); err != nil || batchIDs(all) != "a,b,c" || all[1].Signed != "" {
		t.Errorf("listed unsent %v, %v", batchIDs(all), err)
	}
	if counts, err := db.ParkedOutbox(ctx); err != nil || len(counts) != 1 || counts["CN-440100"] != 1 {
		t.Errorf("parked counts %v, %v", counts, err)
	}
	if n := mustUnsent(t, db); n != 4 {
		t.Errorf("unsent %d, want 4: a parked batch's records are not sent", n)
	}
	if _, batches, err := db.PurgeSentOutbox(ctx, t0.Add(1000*time.Hour)); err != nil || batches != 0 {
		t.Errorf("purged %d batches (%v): a parked batch is not sent", batches, err)
	}

	// parkAfter 0 never parks.
	for i := range 7 {
		if n, parked := refuse(b.ID, r, t0, 0); n != i+1 || parked {
			t.Fatalf("refusal %d with no park: %d, parked %v", i+1, n, parked)
		}
	}

	if err := db.RequeueOutboxBatch(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := due(t0); got != "a,b,c" {
		t.Errorf("due after the requeue: %s", got)
	}
	bs, _ = db.UnsentOutboxBatches(ctx)
	if got := bs[0]; got.ID != a.ID || got.Refusals != 0 || got.LastRefusal != (healthcode.OutboxRefusal{}) ||
		!got.RetryAt.IsZero() || !got.ParkedAt.IsZero() {
		t.Errorf("requeued batch %+v", got)
	}
	if counts, err := db.ParkedOutbox(ctx); err != nil || len(counts) != 0 {
		t.Errorf("parked counts after the requeue %v, %v", counts, err)
	}
	if list, err := db.ListOutboxBatches(ctx, true); err != nil || len(list) != 0 {
		t.Errorf("parked after the requeue %d, %v", len(list), err)
	}
	// Parked again, then taken by the hub (another sender's post was
	// out): sent, not parked.
	if n, parked := refuse(a.ID, r, t0, 1); n != 1 || !parked {
		t.Fatalf("refused with park after 1: %d, %v", n, parked)
	}
	if err := db.MarkOutboxSent(ctx, a.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if counts, err := db.ParkedOutbox(ctx); err != nil || len(counts) != 0 {
		t.Errorf("a sent batch counted parked: %v, %v", counts, err)
	}

	wantCode(t, db.RequeueOutboxBatch(ctx, a.ID), healthcode.ECONFLICT)
	wantCode(t, db.RequeueOutboxBatch(ctx, strings.Repeat("9", 32)), healthcode.ENOTFOUND)
	_, _, err = db.RefuseOutboxBatch(ctx, a.ID, r, t0, 3)
	wantCode(t, err, healthcode.ENOTFOUND)
	_, _, err = db.RefuseOutboxBatch(ctx, strings.Repeat("9", 32), r, t0, 3)
	wantCode(t, err, healthcode.ENOTFOUND)
	if err := db.RequeueOutboxBatch(ctx, c.ID); err != nil { // never refused: nothing changes
		t.Errorf("requeue of a batch due: %v", err)
	}
}
