package sqlstore_test

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func inboxBatch(id string, seq int64) *healthcode.InboxBatch {
	return &healthcode.InboxBatch{ID: id, From: "CN-440100", Seq: seq, AppliedAt: t0,
		Summary: healthcode.InboxSummary{Records: 3, Accepted: 1, Duplicate: 1, UnknownSubject: 1, Pending: 1, Jobs: []int64{7}}}
}

func cursor(t *testing.T, db healthcode.InboxStore) int64 {
	t.Helper()
	seq, err := db.InboxCursor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestInboxRecordBatch(t *testing.T) {
	db := storetest.MustOpenDB(t)
	if seq := cursor(t, db); seq != 0 {
		t.Fatalf("cursor of a new store = %d, want 0", seq)
	}
	_, err := db.FindInboxBatch(ctx, "b1")
	wantCode(t, err, healthcode.ENOTFOUND)

	b := inboxBatch("b1", 5)
	if isNew, err := db.RecordInboxBatch(ctx, b); err != nil || !isNew {
		t.Fatalf("RecordInboxBatch = %v, %v, want new", isNew, err)
	}
	if seq := cursor(t, db); seq != 5 {
		t.Fatalf("cursor = %d, want 5", seq)
	}
	got, err := db.FindInboxBatch(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	want := *b
	want.AppliedAt = us(t0)
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("FindInboxBatch = %+v, want %+v", got, want)
	}

	// The same id again, even under another seq, changes nothing.
	again := inboxBatch("b1", 9)
	again.Summary.Accepted = 99
	if isNew, err := db.RecordInboxBatch(ctx, again); err != nil || isNew {
		t.Fatalf("second RecordInboxBatch = %v, %v, want not new", isNew, err)
	}
	if seq := cursor(t, db); seq != 5 {
		t.Fatalf("cursor after a repeat = %d, want 5", seq)
	}
	if got, _ := db.FindInboxBatch(ctx, "b1"); got.Seq != 5 || got.Summary.Accepted != 1 {
		t.Fatalf("the repeat overwrote the batch: %+v", got)
	}

	// The cursor never goes back: a batch recorded late keeps it where it is.
	if err := db.AdvanceInboxCursor(ctx, 12); err != nil {
		t.Fatal(err)
	}
	if isNew, err := db.RecordInboxBatch(ctx, inboxBatch("b0", 3)); err != nil || !isNew {
		t.Fatalf("RecordInboxBatch(b0) = %v, %v", isNew, err)
	}
	if err := db.AdvanceInboxCursor(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if seq := cursor(t, db); seq != 12 {
		t.Fatalf("cursor = %d, want 12", seq)
	}
}

// Receivers racing over one batch: exactly one records it, and every one
// of them sees the cursor past it.
func TestInboxRecordBatchConcurrent(t *testing.T) {
	db := storetest.MustOpenDB(t)
	const n = 8
	var wg sync.WaitGroup
	news := make(chan bool, n)
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			isNew, err := db.RecordInboxBatch(ctx, inboxBatch("same", 4))
			news <- isNew
			errs <- err
		}()
	}
	wg.Wait()
	close(news)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	count := 0
	for isNew := range news {
		if isNew {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d receivers recorded the batch, want 1", count)
	}
	var rows int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM hub_inbox_batches`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("%d rows (%v), want 1", rows, err)
	}
	if seq := cursor(t, db); seq != 4 {
		t.Fatalf("cursor = %d, want 4", seq)
	}
}

// TestIdentitiesBySubject reads more subjects than one query holds, with a
// person without a profile and an unknown subject among them.
func TestIdentitiesBySubject(t *testing.T) {
	db := storetest.MustOpenDB(t)
	people := seedPeople(0, 600)
	ids, err := db.SeedPersons(ctx, people)
	if err != nil {
		t.Fatal(err)
	}
	bare := mustPerson(t, db, "13900000001") // signed in, no profile yet
	unknown := make([]byte, 16)
	binary.BigEndian.PutUint64(unknown, 999_999)
	var ask [][]byte
	for _, p := range people {
		ask = append(ask, p.Subject)
	}
	ask = append(ask, bare.Subject, unknown, people[3].Subject)

	got, err := db.IdentitiesBySubject(ctx, ask)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(people) {
		t.Fatalf("%d identities, want %d", len(got), len(people))
	}
	for i, p := range people {
		want := healthcode.Identity{PersonID: ids[i], Name: fmt.Sprintf("张%d", i), IDType: healthcode.IDPassport, IDNumber: fmt.Sprintf("E%08d", i)}
		if got[string(p.Subject)] != want {
			t.Fatalf("person %d: %+v, want %+v", i, got[string(p.Subject)], want)
		}
	}
	if _, ok := got[string(bare.Subject)]; ok {
		t.Error("a person without a profile has an identity")
	}
	none, err := db.IdentitiesBySubject(ctx, nil)
	if err != nil || len(none) != 0 {
		t.Errorf("no subjects: %v, %v", none, err)
	}
}
