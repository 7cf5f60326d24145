package node_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// chainOf returns n entries correctly chained.
func chainOf(n int) []*healthcode.AuditEntry {
	var out []*healthcode.AuditEntry
	var prev []byte
	for i := 1; i <= n; i++ {
		e := &healthcode.AuditEntry{ID: int64(i), At: time.Unix(int64(i), 0), TokenID: 3, Actor: "desk",
			Role: healthcode.RoleHealth, PersonID: 9, What: "status", Purpose: "review", PrevHash: prev}
		e.Hash = e.ComputeHash(prev)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestAuditChain(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func([]*healthcode.AuditEntry) []*healthcode.AuditEntry
		headID int64 // 0: the last entry's
		kind   string
		id     int64
	}{
		{"intact", func(es []*healthcode.AuditEntry) []*healthcode.AuditEntry { return es }, 0, "", 0},
		{"purpose edited", func(es []*healthcode.AuditEntry) []*healthcode.AuditEntry { es[2].Purpose = "curiosity"; return es }, 0, "altered", 3},
		{"time edited", func(es []*healthcode.AuditEntry) []*healthcode.AuditEntry {
			es[1].At = es[1].At.Add(time.Second)
			return es
		}, 0, "altered", 2},
		{"person edited", func(es []*healthcode.AuditEntry) []*healthcode.AuditEntry { es[0].PersonID = 10; return es }, 0, "altered", 1},
		{"actor and purpose shifted", func(es []*healthcode.AuditEntry) []*healthcode.AuditEntry {
			es[3].Actor, es[3].Purpose = "des", "kreview" // same bytes run together: the encoding tells them apart
			return es
		}, 0, "altered", 4},
		{"middle removed", func(es []*healthcode.AuditEntry) []*healthcode.AuditEntry { return append(es[:2], es[3:]...) }, 0, "removed", 3},
		{"first removed", func(es []*healthcode.AuditEntry) []*healthcode.AuditEntry { return es[1:] }, 0, "removed", 1},
		{"last removed", func(es []*healthcode.AuditEntry) []*healthcode.AuditEntry { return es[:4] }, 5, "removed", 5},
		{"removed and renumbered", func(es []*healthcode.AuditEntry) []*healthcode.AuditEntry {
			es = append(es[:2], es[3:]...)
			es[2].ID, es[3].ID = 3, 4
			return es
		}, 4, "removed", 3},
		{"rehashed after an edit", func(es []*healthcode.AuditEntry) []*healthcode.AuditEntry {
			es[1].Purpose = "curiosity"
			es[1].Hash = es[1].ComputeHash(es[1].PrevHash)
			return es
		}, 0, "removed", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full := chainOf(5)
			headID, headHash := full[4].ID, full[4].Hash
			es := tc.tamper(full)
			if tc.headID != 0 {
				headID = tc.headID
			}
			var c node.AuditChain
			var brk *node.AuditBreak
			for _, e := range es {
				if brk = c.Next(e); brk != nil {
					break
				}
			}
			if brk == nil {
				brk = c.End(headID, headHash)
			}
			switch {
			case tc.kind == "" && brk != nil:
				t.Fatalf("intact chain reported %v", brk)
			case tc.kind != "" && (brk == nil || brk.Kind != tc.kind || brk.ID != tc.id):
				t.Fatalf("got %+v, want %s at entry %d", brk, tc.kind, tc.id)
			}
		})
	}
}

func TestCheckPurpose(t *testing.T) {
	long := fmt.Sprintf("%0201d", 0)
	for _, tc := range []struct {
		role    healthcode.Role
		purpose string
		ok      bool
	}{
		{healthcode.RoleHealth, "appeal review", true},
		{healthcode.RoleHealth, "", false},
		{healthcode.RoleHealth, "  ", false},
		{healthcode.RoleAdmin, "", false},
		{healthcode.RoleHealth, long, false},
		{healthcode.RoleHealth, "a\x07b", false},
		{healthcode.RoleCheckpoint, "", true}, // a scan is its own purpose
		{healthcode.RolePeer, "", true},
	} {
		err := node.CheckPurpose(&healthcode.Caller{Role: tc.role}, tc.purpose)
		if (err == nil) != tc.ok || (err != nil && healthcode.ErrorFields(err)["purpose"] == "") {
			t.Errorf("%s %q: %v, want ok=%v naming purpose", tc.role, tc.purpose, err, tc.ok)
		}
	}
}

func TestVerifyAuditDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name, sql string
		kind      string
		id        int64
	}{
		{"intact", "", "", 0},
		{"purpose updated", `UPDATE audit_log SET purpose = 'curiosity' WHERE id = 3`, "altered", 3},
		{"middle deleted", `DELETE FROM audit_log WHERE id = 3`, "removed", 3},
		{"last deleted", `DELETE FROM audit_log WHERE id = 5`, "removed", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAppealEnv(t)
			ctx := context.Background()
			for i := range 5 {
				if err := e.audit.Record(ctx, healthStaff, int64(i+1), "status", "review"); err != nil {
					t.Fatal(err)
				}
			}
			if tc.sql != "" {
				if _, err := e.db.SQL().ExecContext(ctx, tc.sql); err != nil {
					t.Fatal(err)
				}
			}
			var calls int64
			checked, brk, err := node.VerifyAudit(ctx, e.db, func(n, total int64) { calls = n })
			if err != nil {
				t.Fatal(err)
			}
			if tc.kind == "" {
				if brk != nil || checked != 5 || calls != 5 {
					t.Fatalf("intact: checked %d, progress %d, %v", checked, calls, brk)
				}
				return
			}
			if brk == nil || brk.Kind != tc.kind || brk.ID != tc.id {
				t.Fatalf("got %+v, want %s at entry %d", brk, tc.kind, tc.id)
			}
		})
	}
}

func TestPersonReadsAreAudited(t *testing.T) {
	e := newAppealEnv(t)
	ctx := context.Background()
	id := e.readyCitizen(t)
	other := e.signIn(t, "13900139000")

	_, err := e.persons.Lookup(ctx, healthStaff, "", "11010519491231002x", "")
	if healthcode.ErrorFields(err)["purpose"] == "" {
		t.Fatalf("lookup without purpose: %v", err)
	}
	_, err = e.persons.Lookup(ctx, healthStaff, "", "110105194912310021", "contact tracing")
	if healthcode.ErrorFields(err)["id_number"] == "" {
		t.Fatalf("lookup with a bad check digit: %v", err)
	}
	_, err = e.persons.Lookup(ctx, healthStaff, healthcode.IDPassport, "11010519491231002X", "contact tracing")
	wantCode(t, err, healthcode.EINVALID) // 18 characters: not a passport number
	_, err = e.persons.Lookup(ctx, healthStaff, healthcode.IDPassport, "E12345678", "contact tracing")
	wantCode(t, err, healthcode.ENOTFOUND)

	sum, err := e.persons.Lookup(ctx, healthStaff, healthcode.IDResident, "11010519491231002x", "contact tracing")
	if err != nil || sum.PersonID != id || sum.MaskedName != "张*丰" || sum.MaskedIDNumber != "11**************2X" || sum.Status == nil {
		t.Fatalf("Lookup = %+v, %v", sum, err)
	}
	e.clock.Add(time.Minute)
	if _, err := e.persons.Status(ctx, healthStaff, id, "checking a complaint"); err != nil {
		t.Fatal(err)
	}
	_, err = e.persons.Status(ctx, healthStaff, id+100, "checking a complaint")
	wantCode(t, err, healthcode.ENOTFOUND)
	if err := e.audit.Record(ctx, &healthcode.Caller{Role: healthcode.RoleCheckpoint, TokenID: 4, Name: "east gate"}, other, "status", ""); err != nil {
		t.Fatal(err)
	}

	log, err := e.audit.AccessLog(ctx, id, 0, 10)
	if err != nil || len(log) != 2 {
		t.Fatalf("access log = %+v, %v", log, err)
	}
	if log[0].What != "status" || log[0].Purpose != "checking a complaint" || log[1].What != "profile,status" || log[1].Purpose != "contact tracing" {
		t.Fatalf("access log, newest first: %+v %+v", log[0], log[1])
	}
	for _, en := range log {
		if en.PersonID != id || en.Actor != "cdc desk 3" || en.Role != healthcode.RoleHealth {
			t.Fatalf("entry %+v", en)
		}
	}
	_, err = e.audit.AccessLog(ctx, id, 0, 0)
	wantCode(t, err, healthcode.EINVALID)
}

// BenchmarkVerifyAudit measures `healthcode audit verify` over a chain of
// 100,000 entries: reading them in id order and checking every hash.
func BenchmarkVerifyAudit(b *testing.B) {
	e := newAppealEnv(b)
	ctx := context.Background()
	const n = 100_000
	batch := make([]int64, 1000)
	for i := range batch {
		batch[i] = int64(i + 1)
	}
	for range n / len(batch) {
		if err := e.audit.RecordMany(ctx, healthStaff, batch, "status", "benchmark"); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		checked, brk, err := node.VerifyAudit(ctx, e.db, nil)
		if err != nil || brk != nil || checked != n {
			b.Fatalf("checked %d, %v, %v", checked, brk, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
