package sqlstore_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// visitScan is a scan of the tracing tests: who (region and subject) did
// what at a venue, when.
type visitScan struct {
	venue   string
	region  string // homeRegion when empty
	who     string
	person  int64
	dir     string // in when empty
	verdict string // pass when empty
	at      time.Duration
}

func (v visitScan) scan(base time.Time) *healthcode.Scan {
	s := &healthcode.Scan{VenueID: v.venue, DeviceID: 9, Source: healthcode.ScanOnline, Direction: healthcode.DirectionIn,
		Region: homeRegion, Subject: []byte("subject-" + v.who), PersonID: v.person, Colour: healthcode.Green,
		Verdict: healthcode.VerdictPass, At: base.Add(v.at)}
	if v.region != "" {
		s.Region = v.region
	}
	if v.dir != "" {
		s.Direction = v.dir
	}
	if v.verdict == healthcode.VerdictDeny {
		s.Verdict, s.Reasons, s.Colour = healthcode.VerdictDeny, []string{healthcode.DenyColour}, healthcode.Red
	}
	return s
}

// point is the ScanPoint the scan v should come back as.
func (v visitScan) point(base time.Time, kind string) healthcode.ScanPoint {
	s := v.scan(base)
	return healthcode.ScanPoint{VisitPerson: healthcode.VisitPerson{Region: s.Region, Subject: s.Subject, PersonID: s.PersonID},
		VenueID: s.VenueID, VenueKind: kind, Direction: s.Direction, At: us(s.At)}
}

// visitWorld is two venues and the scans of the tracing tests.
type visitWorld struct {
	db         *sqlstore.DB
	mall, shop *healthcode.Venue
	base       time.Time
	scans      []visitScan
}

func (w *visitWorld) kind(venueID string) string {
	if venueID == w.mall.ID {
		return w.mall.Kind
	}
	return w.shop.Kind
}

func newVisitWorld(t *testing.T) *visitWorld {
	t.Helper()
	db := storetest.MustOpenDB(t)
	w := &visitWorld{db: db, base: venueNow.Add(-48 * time.Hour),
		mall: mustVenue(t, db, newVenue("商场", healthcode.VenueMall, "330106", 0)),
		shop: mustVenue(t, db, newVenue("超市", healthcode.VenueSupermarket, "330106", 0))}
	m, s := w.mall.ID, w.shop.ID
	out, deny := healthcode.DirectionOut, healthcode.VerdictDeny
	w.scans = []visitScan{
		{venue: m, who: "a", person: 1, at: -time.Hour}, // before every window
		{venue: m, who: "a", person: 1, at: 0},
		{venue: m, who: "b", person: 2, at: 0}, // the same time: id order
		{venue: m, who: "b", person: 2, at: 10 * time.Minute, dir: out},
		{venue: m, who: "c", at: 20 * time.Minute, verdict: deny}, // denied: never inside
		{venue: m, who: "a", person: 1, at: 30 * time.Minute, dir: out},
		{venue: m, who: "a", region: "110000", at: 40 * time.Minute}, // another region's "a"
		{venue: s, who: "a", person: 1, at: 50 * time.Minute, verdict: deny},
		{venue: s, who: "a", person: 1, at: 55 * time.Minute},
		{venue: s, who: "c", at: 56 * time.Minute},
		{venue: s, who: "a", person: 1, at: 80 * time.Minute, dir: out, verdict: deny},
		{venue: m, who: "b", person: 2, at: 2 * time.Hour},
		{venue: s, who: "a", person: 1, at: 3 * time.Hour}, // at the end of the window: out
		{venue: m, who: "d", at: 3*time.Hour + time.Minute},
	}
	var scans []*healthcode.Scan
	for _, v := range w.scans {
		scans = append(scans, v.scan(w.base))
	}
	record(t, db, venueNow, scans...)
	return w
}

// want is the points of the scans that keep says, in order.
func (w *visitWorld) want(keep func(v visitScan) bool) []healthcode.ScanPoint {
	points := []healthcode.ScanPoint{}
	for _, v := range w.scans {
		if v.verdict != healthcode.VerdictDeny && keep(v) {
			points = append(points, v.point(w.base, w.kind(v.venue)))
		}
	}
	return points
}

func samePoints(t *testing.T, what string, got, want []healthcode.ScanPoint) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %d points, want %d", what, len(got), len(want))
		for i := range max(len(got), len(want)) {
			var g, w healthcode.ScanPoint
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			mark := " "
			if !reflect.DeepEqual(g, w) {
				mark = "≠"
			}
			t.Logf("%s %d: got %s %s %s %s %s %d %v; want %s %s %s %s %s %d %v", mark, i,
				g.VenueID, g.VenueKind, g.Direction, g.Region, g.Subject, g.PersonID, g.At,
				w.VenueID, w.VenueKind, w.Direction, w.Region, w.Subject, w.PersonID, w.At)
		}
	}
}

func TestScanPointsOf(t *testing.T) {
	w := newVisitWorld(t)
	from, to := w.base, w.base.Add(3*time.Hour)
	in := func(v visitScan) bool { at := w.base.Add(v.at); return !at.Before(from) && at.Before(to) }
	a := healthcode.VisitPerson{Region: homeRegion, Subject: []byte("subject-a")}
	got, err := w.db.ScanPointsOf(ctx, a, from, to)
	if err != nil {
		t.Fatal(err)
	}
	// Only a's of this region, passed, in the window, oldest first, each
	// with its venue and kind.
	want := w.want(func(v visitScan) bool { return v.who == "a" && v.region == "" && in(v) })
	if len(want) != 3 {
		t.Fatalf("the test wants %d points", len(want))
	}
	samePoints(t, "a's points", got, want)

	other := healthcode.VisitPerson{Region: "110000", Subject: []byte("subject-a")}
	got, err = w.db.ScanPointsOf(ctx, other, from, to)
	if err != nil {
		t.Fatal(err)
	}
	samePoints(t, "the other region's a", got, w.want(func(v visitScan) bool { return v.who == "a" && v.region == "110000" }))

	// A zero end is no end.
	got, err = w.db.ScanPointsOf(ctx, a, from, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	samePoints(t, "a's points with no end", got, w.want(func(v visitScan) bool { return v.who == "a" && v.region == "" && v.at >= 0 }))

	for _, p := range []healthcode.VisitPerson{{Region: homeRegion, Subject: []byte("subject-nobody")}, {Region: homeRegion}} {
		got, err = w.db.ScanPointsOf(ctx, p, from, to)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("%q: %v, %v; want none", p.Subject, got, err)
		}
	}
	if got, err = w.db.ScanPointsOf(ctx, a, to, from); err != nil || got == nil || len(got) != 0 {
		t.Errorf("an empty window: %v, %v", got, err)
	}
}

func TestScanPointsAt(t *testing.T) {
	w := newVisitWorld(t)
	for _, tc := range []struct {
		venue    string
		from, to time.Duration
	}{
		{w.mall.ID, 0, 3 * time.Hour},
		{w.mall.ID, 10 * time.Minute, 2 * time.Hour}, // from inclusive, to exclusive
		{w.mall.ID, -2 * time.Hour, 4 * time.Hour},
		{w.shop.ID, 0, 3 * time.Hour},
		{w.shop.ID, 0, 3*time.Hour + time.Microsecond},
		{w.shop.ID, 4 * time.Hour, 5 * time.Hour},
		{"V999999", 0, 3 * time.Hour},
	} {
		got, err := w.db.ScanPointsAt(ctx, tc.venue, w.base.Add(tc.from), w.base.Add(tc.to))
		if err != nil {
			t.Fatal(err)
		}
		want := w.want(func(v visitScan) bool { return v.venue == tc.venue && v.at >= tc.from && v.at < tc.to })
		samePoints(t, tc.venue+" "+tc.from.String()+"–"+tc.to.String(), got, want)
	}
	got, err := w.db.ScanPointsAt(ctx, w.mall.ID, w.base, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	samePoints(t, "no end", got, w.want(func(v visitScan) bool { return v.venue == w.mall.ID && v.at >= 0 }))
	// The points of a venue share its id and kind.
	for _, p := range got[1:] {
		if p.VenueID != w.mall.ID || p.VenueKind != healthcode.VenueMall {
			t.Errorf("point %+v", p)
		}
	}
	// Appending to a subject leaves the next point's alone.
	next := string(got[1].Subject)
	_ = append(got[0].Subject, "overwritten"...)
	if string(got[1].Subject) != next {
		t.Errorf("a subject shares its room with the next: %q", got[1].Subject)
	}
}

func TestScanPointsAtMany(t *testing.T) {
	w := newVisitWorld(t)
	at := func(d time.Duration) time.Time { return w.base.Add(d) }
	m, s := w.mall.ID, w.shop.ID
	windows := []sqlstore.VenueWindow{
		{VenueID: s, From: at(50 * time.Minute), To: at(60 * time.Minute)},
		{VenueID: m, From: at(0), To: at(15 * time.Minute)},
		{VenueID: m, From: at(2 * time.Hour), To: at(4 * time.Hour)},
		{VenueID: m, From: at(5 * time.Minute), To: at(30 * time.Minute)},  // overlaps the second: merged
		{VenueID: m, From: at(30 * time.Minute), To: at(31 * time.Minute)}, // touches it: merged
		{VenueID: "V999999", From: at(0), To: at(time.Hour)},
		{VenueID: s, From: at(time.Hour), To: at(time.Hour)},   // empty
		{VenueID: s, From: at(2 * time.Hour), To: time.Time{}}, // no end
	}
	got, err := w.db.ScanPointsAtMany(ctx, windows)
	if err != nil {
		t.Fatal(err)
	}
	// The union of single reads of the merged windows, by venue.
	merged := []sqlstore.VenueWindow{
		{VenueID: m, From: at(0), To: at(31 * time.Minute)},
		{VenueID: m, From: at(2 * time.Hour), To: at(4 * time.Hour)},
		{VenueID: s, From: at(50 * time.Minute), To: at(60 * time.Minute)},
		{VenueID: s, From: at(2 * time.Hour)},
		{VenueID: "V999999", From: at(0), To: at(time.Hour)},
	}
	slices.SortStableFunc(merged, func(a, b sqlstore.VenueWindow) int { return strings.Compare(a.VenueID, b.VenueID) })
	want := []healthcode.ScanPoint{}
	for _, mw := range merged {
		points, err := w.db.ScanPointsAt(ctx, mw.VenueID, mw.From, mw.To)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, points...)
	}
	if len(want) < 6 {
		t.Fatalf("the test wants only %d points", len(want))
	}
	samePoints(t, "many windows", got, want)

	if got, err := w.db.ScanPointsAtMany(ctx, nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("no windows: %v, %v", got, err)
	}
}

// BenchmarkScanPointsAt reads a 2-hour window at a venue of 30 days of
// about 500 scans an hour (a third of them exits, 4% denied), on the
// backend HEALTHCODE_TEST_DB names: about 1,000 points a read.
func BenchmarkScanPointsAt(b *testing.B) {
	db, venue := seedVenueScans(b)
	from := venueNow.Add(-15*24*time.Hour + 13*time.Hour)
	var n int
	b.ReportAllocs()
	for b.Loop() {
		points, err := db.ScanPointsAt(ctx, venue, from, from.Add(2*time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		n = len(points)
	}
	b.ReportMetric(float64(n), "points/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*b.N), "ns/point")
}

// benchWindows are 20 windows of 2 hours, a day apart, at venue.
func benchWindows(venue string) []sqlstore.VenueWindow {
	var windows []sqlstore.VenueWindow
	for d := range 20 {
		from := venueNow.Add(time.Duration(-25+d)*24*time.Hour + 13*time.Hour)
		windows = append(windows, sqlstore.VenueWindow{VenueID: venue, From: from, To: from.Add(2 * time.Hour)})
	}
	return windows
}

// BenchmarkScanPointsAtMany reads the benchWindows of the venue of
// BenchmarkScanPointsAt in one query.
func BenchmarkScanPointsAtMany(b *testing.B) {
	db, venue := seedVenueScans(b)
	windows := benchWindows(venue)
	var n int
	b.ReportAllocs()
	for b.Loop() {
		points, err := db.ScanPointsAtMany(ctx, windows)
		if err != nil {
			b.Fatal(err)
		}
		n = len(points)
	}
	b.ReportMetric(float64(n), "points/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*b.N), "ns/point")
}

// BenchmarkScanPointsAtEach reads the windows of BenchmarkScanPointsAtMany
// one query each, for comparison.
func BenchmarkScanPointsAtEach(b *testing.B) {
	db, venue := seedVenueScans(b)
	windows := benchWindows(venue)
	var n int
	b.ReportAllocs()
	for b.Loop() {
		n = 0
		for _, w := range windows {
			points, err := db.ScanPointsAt(ctx, w.VenueID, w.From, w.To)
			if err != nil {
				b.Fatal(err)
			}
			n += len(points)
		}
	}
	b.ReportMetric(float64(n), "points/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*b.N), "ns/point")
}

// seedVenueScans stores 30 days of 500 scans an hour at one venue, and as
// many at a second one interleaved with them, people drawn from 200,000.
func seedVenueScans(b *testing.B) (*sqlstore.DB, string) {
	b.Helper()
	const perHour, days, people, batch = 500, 30, 200_000, 5000
	db := storetest.MustOpenDB(b)
	venues := []string{
		mustVenue(b, db, newVenue("商场", healthcode.VenueMall, "330106", 0)).ID,
		mustVenue(b, db, newVenue("超市", healthcode.VenueSupermarket, "330106", 0)).ID,
	}
	start := venueNow.Add(-days * 24 * time.Hour)
	step := time.Hour / perHour
	total := days * 24 * perHour * len(venues)
	scans := make([]*healthcode.Scan, 0, batch)
	for k := range total {
		i := k / len(venues)
		s := &healthcode.Scan{VenueID: venues[k%len(venues)], DeviceID: int64(k%len(venues) + 1),
			Source: healthcode.ScanOnline, Direction: healthcode.DirectionIn, Region: homeRegion,
			Subject: benchSubject(k * 7919 % people), PersonID: int64(k%people + 1), Colour: healthcode.Green,
			Verdict: healthcode.VerdictPass, At: start.Add(time.Duration(i) * step)}
		if k%3 == 0 {
			s.Direction = healthcode.DirectionOut
		}
		if k%50 == 0 {
			s.Verdict, s.Reasons, s.Colour = healthcode.VerdictDeny, []string{healthcode.DenyColour}, healthcode.Yellow
		}
		scans = append(scans, s)
		if len(scans) == batch || k == total-1 {
			if _, err := db.RecordScans(ctx, scans, venueNow); err != nil {
				b.Fatal(err)
			}
			scans = scans[:0]
		}
	}
	return db, venues[0]
}
