package node_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/status"
)

// idNumberOf is the document number checkpointEnv.person gives person i.
func idNumberOf(i int) string {
	base := fmt.Sprintf("33010619900101%03d", i%1000)
	return base + string(idnum.CheckCharacter(base))
}

// stay logs an in scan at from and, unless to is zero, an out scan at to.
func (e *checkpointEnv) stay(t *testing.T, personID int64, venueID string, from, to time.Time) {
	t.Helper()
	ctx := context.Background()
	p, err := e.db.FindPerson(ctx, personID)
	if err != nil {
		t.Fatal(err)
	}
	scan := func(dir string, at time.Time) *healthcode.Scan {
		return &healthcode.Scan{VenueID: venueID, Source: healthcode.ScanOnline, Direction: dir, Region: region,
			Subject: p.Subject, PersonID: personID, Colour: healthcode.Green, Verdict: healthcode.VerdictPass, At: at}
	}
	scans := []*healthcode.Scan{scan(healthcode.DirectionIn, from)}
	if !to.IsZero() {
		scans = append(scans, scan(healthcode.DirectionOut, to))
	}
	if _, err := e.db.RecordScans(ctx, scans, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
}

func (e *checkpointEnv) tracer() *node.TraceService {
	policy := status.DefaultPolicy()
	return &node.TraceService{Store: e.db, Region: region, Rules: policy.TraceRules, Now: e.clock.Now,
		Recompute: &node.Recompute{Store: e.db, Citizens: e.citizens}}
}

// A case's trace names exactly who overlapped them: a close contact (30
// minutes together), a companion (arrived 20 minutes after the case
// left), nobody for a visit the next day; applying the trace turns the
// close contact red and the companion yellow with their reasons, and
// applying it again stores nothing.
func TestTraceFindsAndAppliesContacts(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	mall, _ := e.venue(t, healthcode.VenueMall, 0)
	caseID, _ := e.person(t, 1)
	closeID, _ := e.person(t, 2)
	companionID, _ := e.person(t, 3)
	laterID, _ := e.person(t, 4)
	t0 := e.clock.Now().Add(-20 * time.Hour)
	e.stay(t, caseID, mall.ID, t0, t0.Add(time.Hour))
	e.stay(t, closeID, mall.ID, t0.Add(30*time.Minute), t0.Add(2*time.Hour))
	e.stay(t, companionID, mall.ID, t0.Add(80*time.Minute), t0.Add(90*time.Minute))
	e.stay(t, laterID, mall.ID, t0.Add(26*time.Hour), time.Time{})

	tr := e.tracer()
	trace, err := tr.StartTrace(ctx, []healthcode.TraceCase{{IDType: healthcode.IDResident, IDNumber: idNumberOf(1),
		From: t0.Add(-time.Hour), To: e.clock.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for trace.State != healthcode.JobDone {
		if trace.State == healthcode.JobFailed || time.Now().After(deadline) {
			t.Fatalf("trace %s: %s", trace.State, trace.Error)
		}
		time.Sleep(10 * time.Millisecond)
		if trace, err = tr.FindTrace(ctx, trace.ID); err != nil {
			t.Fatal(err)
		}
	}
	if len(trace.Visits) != 1 || trace.Visits[0].VenueID != mall.ID {
		t.Errorf("case visits = %+v, want the one at the mall", trace.Visits)
	}
	got := map[int64]string{}
	for _, x := range trace.Exposures {
		got[x.PersonID] = x.Degree
	}
	want := map[int64]string{closeID: healthcode.DegreeClose, companionID: healthcode.DegreeCompanion}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("exposed = %v, want %v", got, want)
	}

	sum, err := tr.ApplyTrace(ctx, trace.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accepted != 2 {
		t.Errorf("apply = %+v, want 2 contacts stored", sum)
	}
	for id, want := range map[int64]struct {
		colour healthcode.Colour
		reason string
	}{closeID: {healthcode.Red, status.CloseContact}, companionID: {healthcode.Yellow, status.Companion}, laterID: {healthcode.Green, ""}} {
		st, err := e.citizens.Status(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		found := want.reason == ""
		for _, r := range st.Reasons {
			found = found || r.Code == want.reason
		}
		if st.Colour != want.colour || !found {
			t.Errorf("person %d: %v %+v, want %v with %q", id, st.Colour, st.Reasons, want.colour, want.reason)
		}
	}
	e.clock.Add(time.Minute)
	again, err := tr.ApplyTrace(ctx, trace.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Accepted != 0 || again.Duplicate != 2 {
		t.Errorf("second apply = %+v, want 2 duplicates and nothing stored", again)
	}
}
