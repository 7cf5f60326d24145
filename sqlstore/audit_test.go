package sqlstore_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func auditEntry(personID int64, what string) *healthcode.AuditEntry {
	return &healthcode.AuditEntry{At: t0, TokenID: 7, Actor: "cdc desk 3", Role: healthcode.RoleHealth,
		PersonID: personID, What: what, Purpose: "appeal review"}
}

// walk returns every entry in id order.
func walk(t *testing.T, db healthcode.AuditStore) []*healthcode.AuditEntry {
	t.Helper()
	var all []*healthcode.AuditEntry
	if err := db.WalkAudit(ctx, func(e *healthcode.AuditEntry) error { all = append(all, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return all
}

func TestAppendAuditChains(t *testing.T) {
	db := storetest.MustOpenDB(t)
	if err := db.AppendAudit(ctx, auditEntry(1, "status")); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, auditEntry(2, "profile"), auditEntry(1, "appeal")); err != nil {
		t.Fatal(err)
	}
	all := walk(t, db)
	if len(all) != 3 {
		t.Fatalf("%d entries, want 3", len(all))
	}
	var prev []byte
	for i, e := range all {
		if e.ID != int64(i+1) || !bytes.Equal(e.PrevHash, prev) || !bytes.Equal(e.Hash, e.ComputeHash(prev)) {
			t.Fatalf("entry %d: id %d, prev %x (want %x), hash %x", i, e.ID, e.PrevHash, prev, e.Hash)
		}
		if !e.At.Equal(us(t0)) || e.Actor != "cdc desk 3" || e.Role != healthcode.RoleHealth || e.Purpose != "appeal review" {
			t.Fatalf("entry %d read back as %+v", i, e)
		}
		prev = e.Hash
	}
	id, hash, err := db.AuditHead(ctx)
	if err != nil || id != 3 || !bytes.Equal(hash, prev) {
		t.Fatalf("head = %d %x %v, want 3 %x", id, hash, err, prev)
	}
}

func TestAppendAuditConcurrentKeepsOneChain(t *testing.T) {
	db := storetest.MustOpenDB(t)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				errs <- db.AppendAudit(ctx, auditEntry(int64(w), fmt.Sprint("read ", i)))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	all := walk(t, db)
	if len(all) != writers*each {
		t.Fatalf("%d entries, want %d", len(all), writers*each)
	}
	var prev []byte
	for i, e := range all {
		if e.ID != int64(i+1) || !bytes.Equal(e.PrevHash, prev) {
			t.Fatalf("entry %d breaks the chain: %+v", i+1, e)
		}
		prev = e.Hash
	}
}

func TestAccessLogIsThePersonsNewestFirst(t *testing.T) {
	db := storetest.MustOpenDB(t)
	for i := range 5 {
		if err := db.AppendAudit(ctx, auditEntry(1, fmt.Sprint("read ", i)), auditEntry(2, "other")); err != nil {
			t.Fatal(err)
		}
	}
	page, err := db.AccessLog(ctx, 1, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || page[0].What != "read 4" || page[2].What != "read 2" {
		t.Fatalf("first page: %v", whats(page))
	}
	page, err = db.AccessLog(ctx, 1, page[2].ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].What != "read 1" || page[1].What != "read 0" {
		t.Fatalf("second page: %v", whats(page))
	}
	for _, e := range page {
		if e.PersonID != 1 {
			t.Fatalf("another person's entry: %+v", e)
		}
	}
}

func whats(es []*healthcode.AuditEntry) []string {
	var s []string
	for _, e := range es {
		s = append(s, e.What)
	}
	return s
}

func TestFindPersonByIDNumber(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	if err := db.SaveProfile(ctx, profileOf(p.ID, "11010519491231002X")); err != nil {
		t.Fatal(err)
	}
	for _, number := range []string{"11010519491231002X", "11010519491231002x"} {
		if id, err := db.FindPersonByIDNumber(ctx, number); err != nil || id != p.ID {
			t.Errorf("FindPersonByIDNumber(%q) = %d, %v; want %d", number, id, err, p.ID)
		}
	}
	_, err := db.FindPersonByIDNumber(ctx, "110105194912310038")
	wantCode(t, err, healthcode.ENOTFOUND)
}

// BenchmarkAppendAudit measures one audited read's append: the chain head
// locked, one entry hashed and inserted, the head moved, committed.
func BenchmarkAppendAudit(b *testing.B) {
	db := storetest.MustOpenDB(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := db.AppendAudit(ctx, auditEntry(1, "status")); err != nil {
			b.Fatal(err)
		}
	}
}
