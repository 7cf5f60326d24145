package node_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

var healthStaff = &healthcode.Caller{Role: healthcode.RoleHealth, TokenID: 3, Name: "cdc desk 3"}

// appealEnv is env with the appeal and audit services over the same store.
type appealEnv struct {
	*env
	audit   *node.Audit
	appeals *node.AppealService
	persons *node.PersonReads
}

func newAppealEnv(t testing.TB) *appealEnv {
	e := newEnv(t)
	audit := &node.Audit{Store: e.db, Now: e.clock.Now}
	return &appealEnv{env: e, audit: audit,
		appeals: &node.AppealService{Store: e.db, Citizens: e.citizens, Audit: audit, Now: e.clock.Now},
		persons: &node.PersonReads{Store: e.db, Citizens: e.citizens, Audit: audit}}
}

// redCitizen is a ready citizen whose lab reported a positive test.
func (e *appealEnv) redCitizen(t *testing.T) int64 {
	t.Helper()
	ctx := context.Background()
	id := e.readyCitizen(t)
	key, err := e.db.PersonKey(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	if err := e.db.AddRecords(ctx, &healthcode.RecordBatch{Tests: []healthcode.Test{{PersonKey: key,
		SampledAt: now.Add(-2 * time.Hour), ReportedAt: now.Add(-time.Hour), Result: healthcode.Positive,
		Method: healthcode.MethodPCR, Lab: "lab 1", ExternalID: "t-1", RecordedAt: now}}}); err != nil {
		t.Fatal(err)
	}
	st, err := e.citizens.Evaluate(ctx, id)
	if err != nil || st.Colour != healthcode.Red {
		t.Fatalf("after a positive test: %+v, %v; want red", st, err)
	}
	e.clock.Add(time.Minute)
	return id
}

func TestAppealAcceptedCorrectsTheColour(t *testing.T) {
	e := newAppealEnv(t)
	ctx := context.Background()
	id := e.redCitizen(t)
	a, err := e.appeals.File(ctx, id, "the lab mixed up my sample")
	if err != nil || a.State != healthcode.AppealPending || a.ColourAtFiling != healthcode.Red {
		t.Fatalf("File = %+v, %v", a, err)
	}
	e.clock.Add(time.Hour)
	until := e.clock.Now().Add(48 * time.Hour)
	got, err := e.appeals.Decide(ctx, healthStaff, &healthcode.AppealDecision{AppealID: a.ID, Accept: true,
		Colour: healthcode.Green, Until: until, Reason: "lab confirmed the mix-up"}, "appeal review")
	if err != nil || got.State != healthcode.AppealAccepted || got.CorrectedColour != healthcode.Green || got.DecidedBy != "cdc desk 3" {
		t.Fatalf("Decide = %+v, %v", got, err)
	}
	st, err := e.citizens.Status(ctx, id)
	if err != nil || st.Colour != healthcode.Green {
		t.Fatalf("status after an accepted appeal: %+v, %v; want green", st, err)
	}
	code, err := e.citizens.Code(ctx, id)
	if err != nil || code.Colour != healthcode.Green {
		t.Fatalf("code after an accepted appeal: %+v, %v", code, err)
	}
	mine, err := e.appeals.Appeals(ctx, id, 10)
	if err != nil || len(mine) != 1 || mine[0].DecisionReason != "lab confirmed the mix-up" || !mine[0].OverrideUntil.Equal(until) {
		t.Fatalf("the citizen's appeals: %+v, %v", mine, err)
	}

	// The correction lasts until the stated time.
	e.clock.Add(49 * time.Hour)
	if st, _ := e.citizens.Status(ctx, id); st.Colour != healthcode.Red {
		t.Fatalf("after the override ended: %v, want red again", st.Colour)
	}
}

func TestAppealRejectedKeepsTheColour(t *testing.T) {
	e := newAppealEnv(t)
	ctx := context.Background()
	id := e.redCitizen(t)
	a, err := e.appeals.File(ctx, id, "I feel fine")
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.appeals.Decide(ctx, healthStaff, &healthcode.AppealDecision{AppealID: a.ID, Reason: "the positive result stands"}, "appeal review")
	if err != nil || got.State != healthcode.AppealRejected {
		t.Fatalf("Decide = %+v, %v", got, err)
	}
	if st, _ := e.citizens.Status(ctx, id); st.Colour != healthcode.Red {
		t.Fatalf("after a rejected appeal: %v, want red", st.Colour)
	}
	_, err = e.appeals.Decide(ctx, healthStaff, &healthcode.AppealDecision{AppealID: a.ID, Accept: true, Reason: "changed my mind"}, "appeal review")
	wantCode(t, err, healthcode.ECONFLICT)
}

func TestAppealFileRules(t *testing.T) {
	e := newAppealEnv(t)
	ctx := context.Background()
	id := e.readyCitizen(t)
	for _, tc := range []struct {
		reason string
		field  string
	}{
		{"", "reason"},
		{"   ", "reason"},
		{"abcd", "reason"},
		{strings.Repeat("长", 501), "reason"},
		{"bad \x00 byte", "reason"},
	} {
		_, err := e.appeals.File(ctx, id, tc.reason)
		if healthcode.ErrorCode(err) != healthcode.EINVALID || healthcode.ErrorFields(err)[tc.field] == "" {
			t.Errorf("File(%q) = %v, want EINVALID naming %s", tc.reason, err, tc.field)
		}
	}
	if _, err := e.appeals.File(ctx, id, "核酸结果有误"); err != nil {
		t.Fatal(err)
	}
	_, err := e.appeals.File(ctx, id, "a second appeal")
	wantCode(t, err, healthcode.ECONFLICT)
	if !strings.Contains(healthcode.ErrorMessage(err), "pending appeal") {
		t.Errorf("message %q does not say why", healthcode.ErrorMessage(err))
	}
}

func TestAppealDecisionRules(t *testing.T) {
	e := newAppealEnv(t)
	ctx := context.Background()
	a, err := e.appeals.File(ctx, e.readyCitizen(t), "the lab mixed up my sample")
	if err != nil {
		t.Fatal(err)
	}
	past := e.clock.Now().Add(-time.Hour)
	for _, tc := range []struct {
		name    string
		d       healthcode.AppealDecision
		purpose string
		field   string
	}{
		{"no purpose", healthcode.AppealDecision{Reason: "records are right"}, "", "purpose"},
		{"no reason", healthcode.AppealDecision{}, "review", "reason"},
		{"bad colour", healthcode.AppealDecision{Accept: true, Colour: 5, Reason: "records are wrong"}, "review", "colour"},
		{"until in the past", healthcode.AppealDecision{Accept: true, Until: past, Reason: "records are wrong"}, "review", "until"},
		{"until on a rejection", healthcode.AppealDecision{Until: past.Add(48 * time.Hour), Reason: "records are right"}, "review", "until"},
	} {
		tc.d.AppealID = a.ID
		_, err := e.appeals.Decide(ctx, healthStaff, &tc.d, tc.purpose)
		if healthcode.ErrorCode(err) != healthcode.EINVALID || healthcode.ErrorFields(err)[tc.field] == "" {
			t.Errorf("%s: %v, want EINVALID naming %s", tc.name, err, tc.field)
		}
	}
	if got, _ := e.db.FindAppeal(ctx, a.ID); got.State != healthcode.AppealPending {
		t.Fatalf("a refused decision changed the appeal: %+v", got)
	}
	_, err = e.appeals.Decide(ctx, healthStaff, &healthcode.AppealDecision{AppealID: a.ID + 9, Reason: "records are right"}, "review")
	wantCode(t, err, healthcode.ENOTFOUND)
}

func TestAppealQueueMasksAndAudits(t *testing.T) {
	e := newAppealEnv(t)
	ctx := context.Background()
	id := e.redCitizen(t)
	if _, err := e.appeals.File(ctx, id, "the lab mixed up my sample"); err != nil {
		t.Fatal(err)
	}
	_, err := e.appeals.Queue(ctx, healthStaff, healthcode.AppealPending, 10, "")
	if healthcode.ErrorFields(err)["purpose"] == "" {
		t.Fatalf("queue without a purpose: %v", err)
	}
	q, err := e.appeals.Queue(ctx, healthStaff, "", 10, "daily appeal review")
	if err != nil || len(q) != 1 {
		t.Fatalf("queue = %+v, %v", q, err)
	}
	p := q[0].Person
	if p.MaskedName != "张*丰" || p.MaskedIDNumber != "11**************2X" || p.Status.Colour != healthcode.Red || len(p.Status.Reasons) == 0 {
		t.Fatalf("queue shows %+v", p)
	}
	log, err := e.audit.AccessLog(ctx, id, 0, 10)
	if err != nil || len(log) != 1 || log[0].What != "appeal" || log[0].Purpose != "daily appeal review" || log[0].Actor != "cdc desk 3" {
		t.Fatalf("access log = %+v, %v", log, err)
	}
}
