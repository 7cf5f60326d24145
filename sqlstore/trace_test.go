package sqlstore_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func mustFindTrace(t *testing.T, db healthcode.TraceStore, id int64) *healthcode.Trace {
	t.Helper()
	got, err := db.FindTrace(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func sameTrace(t *testing.T, what string, got, want *healthcode.Trace) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	t.Errorf("%s: trace differs", what)
	g, w := *got, *want
	g.Visits, g.Exposures, w.Visits, w.Exposures = nil, nil, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Logf("got  %+v\nwant %+v", g, w)
	}
	if !reflect.DeepEqual(got.Visits, want.Visits) {
		t.Logf("visits: got %+v\nwant %+v", got.Visits, want.Visits)
	}
	for i := range max(len(got.Exposures), len(want.Exposures)) {
		if i >= len(got.Exposures) || i >= len(want.Exposures) || !reflect.DeepEqual(got.Exposures[i], want.Exposures[i]) {
			t.Logf("exposure %d differs (got %d, want %d)", i, len(got.Exposures), len(want.Exposures))
			break
		}
	}
}

func TestTraceRoundTrip(t *testing.T) {
	db := storetest.MustOpenDB(t)
	onset := us(t0)
	tr := &healthcode.Trace{
		Cases: []healthcode.TraceCase{
			{IDType: healthcode.IDResident, IDNumber: "330106199001011234", From: onset.Add(-48 * time.Hour), To: onset},
			{IDType: healthcode.IDResident, IDNumber: "33010619900101567X"}, // the policy's window
		},
		CreatedAt: t0, TokenID: 7,
	}
	if err := db.CreateTrace(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if tr.ID == 0 || tr.State != healthcode.JobQueued || !tr.CreatedAt.Equal(onset) {
		t.Fatalf("created %+v", tr)
	}
	sameTrace(t, "created", mustFindTrace(t, db, tr.ID), tr)

	// The trace runs and finds visits and exposures.
	tr.State = healthcode.JobDone
	tr.FinishedAt = t0.Add(time.Minute)
	tr.Unresolved, tr.CasesDone = 1, 3
	caseKey := homeRegion + "\x00subject-\xff\xfe" // a subject's bytes, not UTF-8
	tr.Visits = []healthcode.Visit{
		{VisitPerson: healthcode.VisitPerson{Region: homeRegion, Subject: []byte("subject-case"), PersonID: 3},
			VenueID: "V000001", VenueKind: healthcode.VenueMall, From: onset.Add(-5 * time.Hour), To: onset.Add(-4 * time.Hour)},
		{VisitPerson: healthcode.VisitPerson{Region: homeRegion, Subject: []byte("subject-case"), PersonID: 3},
			VenueID: "V000002", VenueKind: healthcode.VenueRailway, From: onset.Add(-3 * time.Hour), To: onset.Add(-time.Hour),
			Estimated: true},
	}
	for i := range 2000 {
		e := healthcode.Exposure{
			VisitPerson: healthcode.VisitPerson{Region: homeRegion, Subject: []byte(fmt.Sprintf("subject-%d", i))},
			Degree:      healthcode.DegreeCompanion, CaseKey: caseKey, CaseRef: "330106199001011234",
			VenueID: "V000001", From: onset.Add(-5*time.Hour + time.Duration(i)*time.Second),
			To: onset.Add(-4*time.Hour + time.Duration(i)*time.Second), ExposedAt: onset.Add(-5 * time.Hour),
		}
		switch i % 3 {
		case 0:
			e.Degree, e.PersonID = healthcode.DegreeClose, int64(i+10)
			e.Overlap = 59*time.Minute + 123*time.Microsecond
			e.OverlapMin = e.Overlap.Minutes()
		case 1:
			e.Degree, e.Region, e.CaseKey, e.VenueID = healthcode.DegreeSecondary, "110000", "110000\x00subject-1", "V000002"
			e.Overlap, e.OverlapMin = 20*time.Minute, 20
		}
		tr.Exposures = append(tr.Exposures, e)
	}
	// A stay of unknown end, all times zero.
	tr.Exposures = append(tr.Exposures, healthcode.Exposure{
		VisitPerson: healthcode.VisitPerson{Region: homeRegion, Subject: []byte{0, 255}},
		Degree:      healthcode.DegreeCompanion, From: onset})
	tr.Exposures = append(tr.Exposures, healthcode.Exposure{
		VisitPerson: healthcode.VisitPerson{Region: homeRegion, Subject: []byte{1}},
		Degree:      healthcode.DegreeCompanion, To: onset})
	if err := db.UpdateTrace(ctx, tr, t0); err != nil {
		t.Fatal(err)
	}
	tr.FinishedAt = us(tr.FinishedAt)
	sameTrace(t, "finished", mustFindTrace(t, db, tr.ID), tr)

	// Applied: only the time changes.
	tr.AppliedAt = t0.Add(2 * time.Minute)
	if err := db.MarkTraceApplied(ctx, tr.ID, tr.AppliedAt); err != nil {
		t.Fatal(err)
	}
	tr.AppliedAt = us(tr.AppliedAt)
	sameTrace(t, "applied", mustFindTrace(t, db, tr.ID), tr)
	if err := db.MarkTraceApplied(ctx, tr.ID+1000, t0); healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		t.Errorf("marking a trace that is not there applied: %v, want not found", err)
	}

	// A failed trace, its findings empty but not nil.
	failed := &healthcode.Trace{State: healthcode.JobRunning, Cases: []healthcode.TraceCase{}, CreatedAt: t0}
	if err := db.CreateTrace(ctx, failed); err != nil {
		t.Fatal(err)
	}
	if failed.ID == tr.ID {
		t.Fatalf("two traces of id %d", tr.ID)
	}
	failed.State, failed.Error, failed.FinishedAt = healthcode.JobFailed, "database unavailable", us(t0)
	failed.Visits, failed.Exposures = []healthcode.Visit{}, []healthcode.Exposure{}
	if err := db.UpdateTrace(ctx, failed, t0); err != nil {
		t.Fatal(err)
	}
	sameTrace(t, "failed", mustFindTrace(t, db, failed.ID), failed)
	sameTrace(t, "the first, again", mustFindTrace(t, db, tr.ID), tr)
}

func TestTraceNotFound(t *testing.T) {
	db := storetest.MustOpenDB(t)
	_, err := db.FindTrace(ctx, 42)
	wantCode(t, err, healthcode.ENOTFOUND)
	err = db.UpdateTrace(ctx, &healthcode.Trace{ID: 42, State: healthcode.JobDone}, t0)
	wantCode(t, err, healthcode.ENOTFOUND)
	err = db.CreateTrace(ctx, &healthcode.Trace{State: "exploded"})
	wantCode(t, err, healthcode.EINVALID)
}

// outbreakTrace is a finished trace of 1,000 cases and 100,000 exposures.
func outbreakTrace() *healthcode.Trace {
	onset := us(t0)
	tr := &healthcode.Trace{State: healthcode.JobDone, CreatedAt: onset, FinishedAt: onset.Add(time.Minute)}
	for c := range 1000 {
		tr.Cases = append(tr.Cases, healthcode.TraceCase{IDType: healthcode.IDResident,
			IDNumber: fmt.Sprintf("330106199001%06d", c)})
		tr.Visits = append(tr.Visits, healthcode.Visit{
			VisitPerson: healthcode.VisitPerson{Region: homeRegion, Subject: benchSubject(c), PersonID: int64(c + 1)},
			VenueID:     fmt.Sprintf("V%06d", c%20000+1), VenueKind: healthcode.VenueMall,
			From: onset.Add(-5 * time.Hour), To: onset.Add(-4 * time.Hour)})
	}
	for i := range 100_000 {
		c := i % 1000
		from := onset.Add(-5*time.Hour + time.Duration(i)*time.Second)
		tr.Exposures = append(tr.Exposures, healthcode.Exposure{
			VisitPerson: healthcode.VisitPerson{Region: homeRegion, Subject: benchSubject(10_000 + i), PersonID: int64(10_000 + i)},
			Degree:      healthcode.DegreeCompanion, CaseKey: homeRegion + "\x00" + string(benchSubject(c)),
			CaseRef: tr.Cases[c].IDNumber, VenueID: tr.Visits[c].VenueID, From: from, To: from.Add(47 * time.Minute),
			Overlap: 31 * time.Minute, OverlapMin: 31, ExposedAt: from.Add(3 * time.Minute)})
	}
	return tr
}

// BenchmarkUpdateTrace writes the findings of outbreakTrace.
func BenchmarkUpdateTrace(b *testing.B) {
	db := storetest.MustOpenDB(b)
	tr := outbreakTrace()
	if err := db.CreateTrace(ctx, tr); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := db.UpdateTrace(ctx, tr, t0); err != nil {
			b.Fatal(err)
		}
	}
	var size int64
	if err := db.SQL().QueryRowContext(ctx, `SELECT length(result) FROM traces WHERE id = $1`, tr.ID).Scan(&size); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(size)/float64(len(tr.Exposures)), "bytes/exposure")
}

// BenchmarkFindTrace reads the findings of outbreakTrace.
func BenchmarkFindTrace(b *testing.B) {
	db := storetest.MustOpenDB(b)
	tr := outbreakTrace()
	if err := db.CreateTrace(ctx, tr); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		got, err := db.FindTrace(ctx, tr.ID)
		if err != nil {
			b.Fatal(err)
		}
		if len(got.Exposures) != len(tr.Exposures) {
			b.Fatalf("%d exposures", len(got.Exposures))
		}
	}
}
