package node_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
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
	if trace.CasesDone != 1 {
		t.Errorf("a finished trace counts %d cases done, want 1", trace.CasesDone)
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

// An outbreak names each exposed person once, with the strongest degree
// and, among equals, the earliest exposure; two staff applying it at the
// same moment store each contact once between them.
func TestTraceOutbreakDedupesAndAppliesOnce(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	mall, _ := e.venue(t, healthcode.VenueMall, 0)
	office, _ := e.venue(t, healthcode.VenueOffice, 0)
	caseA, _ := e.person(t, 1)
	caseB, _ := e.person(t, 2)
	both, _ := e.person(t, 3)  // A's companion, then B's close contact
	twice, _ := e.person(t, 4) // a companion of A and, later, of B
	t0 := e.clock.Now().Add(-30 * time.Hour)
	e.stay(t, caseA, mall.ID, t0, t0.Add(time.Hour))
	e.stay(t, both, mall.ID, t0.Add(90*time.Minute), t0.Add(100*time.Minute))
	e.stay(t, twice, mall.ID, t0.Add(70*time.Minute), t0.Add(80*time.Minute))
	t1 := t0.Add(5 * time.Hour)
	e.stay(t, caseB, office.ID, t1, t1.Add(3*time.Hour))
	e.stay(t, both, office.ID, t1.Add(time.Hour), t1.Add(2*time.Hour))
	e.stay(t, twice, office.ID, t1.Add(3*time.Hour+10*time.Minute), t1.Add(4*time.Hour))

	tr := e.tracer()
	window := func(n int) healthcode.TraceCase {
		return healthcode.TraceCase{IDType: healthcode.IDResident, IDNumber: idNumberOf(n), From: t0.Add(-time.Hour), To: e.clock.Now()}
	}
	found, err := tr.Run(ctx, []healthcode.TraceCase{window(1), window(2)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, x := range found.Exposures {
		if _, dup := got[x.PersonID]; dup {
			t.Errorf("person %d listed twice", x.PersonID)
		}
		got[x.PersonID] = fmt.Sprintf("%s at %s by %s", x.Degree, x.ExposedAt.Sub(t0), x.CaseRef)
	}
	want := map[int64]string{
		both:  fmt.Sprintf("close at 6h0m0s by %s", idnum.MaskID(idNumberOf(2))),
		twice: fmt.Sprintf("companion at 1h10m0s by %s", idnum.MaskID(idNumberOf(1))),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("exposed = %v, want %v", got, want)
	}

	found.State, found.FinishedAt = healthcode.JobDone, e.clock.Now()
	if err := e.db.CreateTrace(ctx, found); err != nil {
		t.Fatal(err)
	}
	// Two staff, a microsecond apart.
	other := &node.TraceService{Store: tr.Store, Region: tr.Region, Rules: tr.Rules, Logger: tr.Logger,
		Recompute: tr.Recompute, Audit: tr.Audit, Elsewhere: tr.Elsewhere,
		Now: func() time.Time { return e.clock.Now().Add(-time.Microsecond) }}
	sums := make([]*healthcode.ImportSummary, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, tr := range []*node.TraceService{tr, other} {
		wg.Go(func() { sums[i], errs[i] = tr.ApplyTrace(ctx, found.ID) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("concurrent applies: %v, %v", errs[0], errs[1])
	}
	var rows int
	if err := e.db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM contacts`).Scan(&rows); err != nil || rows != 2 {
		t.Errorf("%d contacts rows (%v), want 2", rows, err)
	}
	if stored := sums[0].Accepted + sums[1].Accepted; stored != 2 || sums[0].Duplicate+sums[1].Duplicate != 2 {
		t.Errorf("concurrent applies: %+v and %+v, want 2 contacts stored between them and 2 duplicates", sums[0], sums[1])
	}
	for id, want := range map[int64]healthcode.Colour{both: healthcode.Red, twice: healthcode.Yellow, caseA: healthcode.Green} {
		if st, err := e.citizens.Status(ctx, id); err != nil || st.Colour != want {
			t.Errorf("person %d: %+v, %v; want %v", id, st, err, want)
		}
	}
}

// A case named without a span is traced over the policy's infectious
// window: from two days before the onset on their case record until their
// isolation (the first quarantine since); visits outside it are not.
func TestTraceDefaultWindowRunsFromOnsetToIsolation(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	mall, _ := e.venue(t, healthcode.VenueMall, 0)
	caseID, _ := e.person(t, 1)
	onset := e.clock.Now().Add(-5 * 24 * time.Hour)
	china := time.FixedZone("CST", 8*3600)
	mustImport(t, e.importing(nil), healthcode.KindCases, "id,id_number,kind,onset\nc1,"+idNumberOf(1)+",confirmed,"+
		onset.In(china).Format(time.RFC3339)+"\n")
	mustImport(t, e.importing(nil), healthcode.KindQuarantines, "id,id_number,kind,start,end\nq1,"+idNumberOf(1)+",centralised,"+
		onset.Add(24*time.Hour).In(china).Format(time.RFC3339)+","+onset.Add(15*24*time.Hour).In(china).Format(time.RFC3339)+"\n")
	for _, d := range []time.Duration{-50 * time.Hour, -47 * time.Hour, 23 * time.Hour, 25 * time.Hour} {
		e.stay(t, caseID, mall.ID, onset.Add(d), onset.Add(d+time.Hour))
	}
	found, err := e.tracer().Run(ctx, []healthcode.TraceCase{{IDType: healthcode.IDResident, IDNumber: idNumberOf(1)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	for _, v := range found.Visits {
		got = append(got, v.From.Sub(onset))
	}
	if want := []time.Duration{-47 * time.Hour, 23 * time.Hour}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("visits traced at onset%+v, want %v", got, want)
	}
}

// elsewhere is a source of visits in another region: it answers one visit
// of the case there and the people it exposed.
type elsewhere struct {
	visits  []healthcode.Visit
	exposed []healthcode.Exposure
	asked   []string
}

func (s *elsewhere) TraceElsewhere(_ context.Context, c healthcode.VisitPerson, from, to time.Time, _ *healthcode.TraceRules) ([]healthcode.Visit, []healthcode.Exposure, error) {
	s.asked = append(s.asked, fmt.Sprintf("%d %s", c.PersonID, to.Sub(from)))
	return s.visits, slices.Clone(s.exposed), nil
}

// Another source of visits (the hub, for other regions' checkpoints) is
// asked for each case, and its findings merge with the scan log's: a
// person exposed both here and there is named once, by the stronger
// degree, and the case's visits list both.
func TestTraceMergesVisitsElsewhere(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	mall, _ := e.venue(t, healthcode.VenueMall, 0)
	caseID, _ := e.person(t, 1)
	both, _ := e.person(t, 2)
	t0 := e.clock.Now().Add(-20 * time.Hour)
	e.stay(t, caseID, mall.ID, t0, t0.Add(time.Hour))
	e.stay(t, both, mall.ID, t0.Add(70*time.Minute), t0.Add(80*time.Minute)) // a companion here
	p, err := e.db.FindPerson(ctx, both)
	if err != nil {
		t.Fatal(err)
	}
	visitor := healthcode.VisitPerson{Region: "CN-110000", Subject: []byte("visitor")}
	there := t0.Add(5 * time.Hour)
	src := &elsewhere{
		visits: []healthcode.Visit{{VenueID: "CN-110000/V000009", VenueKind: healthcode.VenueOffice, From: there, To: there.Add(time.Hour)}},
		exposed: []healthcode.Exposure{
			{VisitPerson: healthcode.VisitPerson{Region: region, Subject: p.Subject, PersonID: both}, Degree: healthcode.DegreeClose,
				VenueID: "CN-110000/V000009", From: there, To: there.Add(time.Hour), Overlap: time.Hour, ExposedAt: there},
			{VisitPerson: visitor, Degree: healthcode.DegreeCompanion, VenueID: "CN-110000/V000009", From: there, To: there.Add(time.Hour), ExposedAt: there},
		},
	}
	tr := e.tracer()
	tr.Elsewhere = []healthcode.ExposureSource{src}
	found, err := tr.Run(ctx, []healthcode.TraceCase{{IDType: healthcode.IDResident, IDNumber: idNumberOf(1), From: t0.Add(-time.Hour), To: e.clock.Now()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.asked) != 1 {
		t.Errorf("the other source was asked %v, want once for the case", src.asked)
	}
	if len(found.Visits) != 2 {
		t.Errorf("case visits = %+v, want the mall's and the one elsewhere", found.Visits)
	}
	got := map[string]string{}
	for _, x := range found.Exposures {
		got[x.Region+"/"+string(x.Subject)] = x.Degree + " " + x.VenueID + " " + x.CaseRef
	}
	ref := idnum.MaskID(idNumberOf(1))
	want := map[string]string{
		region + "/" + string(p.Subject): "close CN-110000/V000009 " + ref,
		"CN-110000/visitor":              "companion CN-110000/V000009 " + ref,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("exposed = %q, want %q", got, want)
	}
}
