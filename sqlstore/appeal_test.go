package sqlstore_test

import (
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

var staffCaller = &healthcode.Caller{Role: healthcode.RoleHealth, TokenID: 7, Name: "cdc desk 3"}

func fileAppeal(t *testing.T, db healthcode.AppealStore, personID int64, at time.Time) *healthcode.Appeal {
	t.Helper()
	a := &healthcode.Appeal{PersonID: personID, Reason: "my test was negative", ColourAtFiling: healthcode.Red, CreatedAt: at}
	if err := db.CreateAppeal(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAppealOnePendingAtATime(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	a := fileAppeal(t, db, p.ID, t0)
	err := db.CreateAppeal(ctx, &healthcode.Appeal{PersonID: p.ID, Reason: "again", CreatedAt: t0})
	wantCode(t, err, healthcode.ECONFLICT)

	if _, err := db.DecideAppeal(ctx, &healthcode.AppealDecision{AppealID: a.ID, Reason: "records are right"}, staffCaller, t0, nil); err != nil {
		t.Fatal(err)
	}
	fileAppeal(t, db, p.ID, t0.Add(time.Hour)) // decided: a new one may be filed
	got, err := db.ListAppeals(ctx, p.ID, 10)
	if err != nil || len(got) != 2 || got[0].State != healthcode.AppealPending || got[1].State != healthcode.AppealRejected {
		t.Fatalf("ListAppeals = %+v, %v", got, err)
	}
}

func TestAppealQueueOldestFirst(t *testing.T) {
	db := storetest.MustOpenDB(t)
	late := fileAppeal(t, db, mustPerson(t, db, "13800000001").ID, t0.Add(time.Hour))
	early := fileAppeal(t, db, mustPerson(t, db, "13800000002").ID, t0)
	q, err := db.AppealQueue(ctx, healthcode.AppealPending, 10)
	if err != nil || len(q) != 2 || q[0].ID != early.ID || q[1].ID != late.ID {
		t.Fatalf("queue = %+v, %v", q, err)
	}
	if q, _ := db.AppealQueue(ctx, healthcode.AppealAccepted, 10); len(q) != 0 {
		t.Fatalf("accepted queue = %+v", q)
	}
}

func TestDecideAppealAccepted(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{Colour: healthcode.Red, EvaluatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	a := fileAppeal(t, db, p.ID, t0)
	decided := t0.Add(2 * time.Hour)
	until := t0.Add(72 * time.Hour)
	entry := &healthcode.AuditEntry{At: decided, TokenID: 7, Actor: "cdc desk 3", Role: healthcode.RoleHealth, What: "appeal", Purpose: "appeal review"}
	got, err := db.DecideAppeal(ctx, &healthcode.AppealDecision{AppealID: a.ID, Accept: true, Colour: healthcode.Green,
		Until: until, Reason: "lab mixed up samples"}, staffCaller, decided, entry)
	if err != nil {
		t.Fatal(err)
	}
	want := healthcode.Appeal{ID: a.ID, PersonID: p.ID, Reason: a.Reason, State: healthcode.AppealAccepted,
		ColourAtFiling: healthcode.Red, CorrectedColour: healthcode.Green, OverrideUntil: us(until),
		DecisionReason: "lab mixed up samples", DecidedBy: "cdc desk 3", DecidedByToken: 7,
		CreatedAt: us(t0), DecidedAt: us(decided)}
	stored, err := db.FindAppeal(ctx, a.ID)
	if err != nil || *stored != want || *got != want {
		t.Fatalf("decided appeal\n%+v\n%+v\nwant\n%+v (%v)", got, stored, want, err)
	}
	st, err := db.FindStatus(ctx, p.ID)
	if err != nil || !st.ReevaluateAt.Equal(us(decided)) || !st.Stale(decided) {
		t.Fatalf("status after accept: %+v, %v; want due at %v", st, err, decided)
	}
	if n, _ := db.CountDue(ctx, decided); n != 1 {
		t.Fatalf("%d statuses due, want the decided person's", n)
	}
	if log, _ := db.AccessLog(ctx, p.ID, 0, 10); len(log) != 1 || log[0].What != "appeal" || log[0].PersonID != p.ID {
		t.Fatalf("access log = %+v", log)
	}

	_, err = db.DecideAppeal(ctx, &healthcode.AppealDecision{AppealID: a.ID, Reason: "second thoughts"}, staffCaller, decided, entry)
	wantCode(t, err, healthcode.ECONFLICT)
	_, err = db.DecideAppeal(ctx, &healthcode.AppealDecision{AppealID: a.ID + 100, Reason: "x"}, staffCaller, decided, nil)
	wantCode(t, err, healthcode.ENOTFOUND)
}

func TestDecideAppealRejectedLeavesStatus(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{Colour: healthcode.Red, EvaluatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	a := fileAppeal(t, db, p.ID, t0)
	got, err := db.DecideAppeal(ctx, &healthcode.AppealDecision{AppealID: a.ID, Reason: "records are right"}, staffCaller, t0, nil)
	if err != nil || got.State != healthcode.AppealRejected || got.DecisionReason != "records are right" {
		t.Fatalf("rejected = %+v, %v", got, err)
	}
	if st, _ := db.FindStatus(ctx, p.ID); !st.ReevaluateAt.IsZero() {
		t.Fatalf("a rejected appeal marked the status due: %+v", st)
	}
}
