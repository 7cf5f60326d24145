package sqlstore_test

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

const homeRegion = "330000"

// door is a scan at a venue as the tests write it: who (a subject), which
// way, how it was judged and how it arrived.
type door struct {
	who     string
	dir     string // "in" (default) or "out"
	source  string // online (default), offline or checkin
	verdict string // pass (default) or deny
	seq     int64  // offline only
	at      time.Duration
}

func (d door) scan(venueID string, base time.Time) *healthcode.Scan {
	s := &healthcode.Scan{VenueID: venueID, DeviceID: 7, Source: healthcode.ScanOnline, Direction: healthcode.DirectionIn,
		Region: homeRegion, Subject: []byte("subject-" + d.who), Verdict: healthcode.VerdictPass, At: base.Add(d.at),
		Colour: healthcode.Green}
	if d.dir != "" {
		s.Direction = d.dir
	}
	if d.source != "" {
		s.Source = d.source
	}
	if s.Source == healthcode.ScanCheckin {
		s.DeviceID = 0
	}
	if d.verdict == healthcode.VerdictDeny {
		s.Verdict, s.Reasons, s.Colour = healthcode.VerdictDeny, []string{healthcode.DenyColour}, healthcode.Red
	}
	s.Seq = d.seq
	return s
}

func record(t testing.TB, db healthcode.ScanStore, now time.Time, scans ...*healthcode.Scan) []bool {
	t.Helper()
	dup, err := db.RecordScans(ctx, scans, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(dup) != len(scans) {
		t.Fatalf("%d dup flags for %d scans", len(dup), len(scans))
	}
	return dup
}

func occupancy(t testing.TB, db healthcode.ScanStore, venueID string, now time.Time) int {
	t.Helper()
	n, err := db.Occupancy(ctx, venueID, now)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRecordScansCapacity runs batches of scans at a venue of capacity 2
// and a maximum stay of 4 hours, checking each scan's verdict as stored
// and the occupancy after each batch.
func TestRecordScansCapacity(t *testing.T) {
	const full = "deny"
	type batch struct {
		after time.Duration // the node's clock: venueNow + after
		doors []door
		want  []string // verdict of each scan: pass, deny (as sent) or full
		occ   int
	}
	out, offline, checkin := healthcode.DirectionOut, healthcode.ScanOffline, healthcode.ScanCheckin
	for _, tc := range []struct {
		name     string
		capacity int
		batches  []batch
	}{
		{"fill then deny", 2, []batch{
			{0, []door{{who: "a"}, {who: "b"}, {who: "c"}}, []string{"pass", "pass", full}, 2},
			{time.Minute, []door{{who: "d"}}, []string{full}, 2},
		}},
		{"the same person entering twice counts once", 2, []batch{
			{0, []door{{who: "a"}, {who: "a"}, {who: "b"}}, []string{"pass", "pass", "pass"}, 2},
			{time.Minute, []door{{who: "a"}, {who: "b"}, {who: "c"}}, []string{"pass", "pass", full}, 2},
		}},
		{"out frees a place", 2, []batch{
			{0, []door{{who: "a"}, {who: "b"}, {who: "a", dir: out}, {who: "c"}, {who: "d"}},
				[]string{"pass", "pass", "pass", "pass", full}, 2},
			{time.Minute, []door{{who: "b", dir: out}}, []string{"pass"}, 1},
			{2 * time.Minute, []door{{who: "d"}, {who: "e"}}, []string{"pass", full}, 2},
		}},
		{"out of someone not inside frees nothing", 2, []batch{
			{0, []door{{who: "a"}, {who: "b"}, {who: "z", dir: out}, {who: "c"}}, []string{"pass", "pass", "pass", full}, 2},
		}},
		{"entries older than the maximum stay leave", 2, []batch{
			{0, []door{{who: "a"}, {who: "b"}}, []string{"pass", "pass"}, 2},
			{3*time.Hour + 59*time.Minute, []door{{who: "c", at: 3*time.Hour + 59*time.Minute}}, []string{full}, 2},
			{4 * time.Hour, []door{{who: "c", at: 4 * time.Hour}, {who: "d", at: 4 * time.Hour}, {who: "e", at: 4 * time.Hour}},
				[]string{"pass", "pass", full}, 2},
		}},
		{"an entry again renews the stay", 2, []batch{
			{0, []door{{who: "a"}, {who: "b"}}, []string{"pass", "pass"}, 2},
			{3 * time.Hour, []door{{who: "a", at: 3 * time.Hour}}, []string{"pass"}, 2},
			{4 * time.Hour, []door{{who: "c", at: 4 * time.Hour}, {who: "d", at: 4 * time.Hour}}, []string{"pass", full}, 2},
		}},
		{"offline scans are never refused but fill the venue", 2, []batch{
			{0, []door{{who: "a"}, {who: "b", source: offline, seq: 1}, {who: "c", source: offline, seq: 2}, {who: "d"}},
				[]string{"pass", "pass", "pass", full}, 3},
			{time.Minute, []door{{who: "b", dir: out, source: offline, seq: 3}, {who: "d"}}, []string{"pass", full}, 2},
			{2 * time.Minute, []door{{who: "c", dir: out, source: offline, seq: 4}, {who: "d"}}, []string{"pass", "pass"}, 2},
		}},
		{"an offline entry older than the maximum stay does not count", 1, []batch{
			{0, []door{{who: "a", source: offline, seq: 1, at: -5 * time.Hour}, {who: "b"}}, []string{"pass", "pass"}, 1},
		}},
		{"check-ins are refused like online scans", 1, []batch{
			{0, []door{{who: "a", source: checkin}, {who: "b", source: checkin}}, []string{"pass", full}, 1},
		}},
		{"denied scans move no one", 1, []batch{
			{0, []door{{who: "a", verdict: "deny"}, {who: "b"}, {who: "b", dir: out, verdict: "deny"}}, []string{"deny", "pass", "deny"}, 1},
			{time.Minute, []door{{who: "c"}}, []string{full}, 1},
		}},
		{"a refused entry moves no one", 1, []batch{
			{0, []door{{who: "a"}, {who: "b"}, {who: "b", dir: out}, {who: "c"}}, []string{"pass", full, "pass", full}, 1},
		}},
		{"no capacity, no limit", 0, []batch{
			{0, []door{{who: "a"}, {who: "b"}, {who: "c"}, {who: "a"}}, []string{"pass", "pass", "pass", "pass"}, 3},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := storetest.MustOpenDB(t)
			v := newVenue("超市", healthcode.VenueSupermarket, "330106", tc.capacity)
			v.MaxStay = 4 * time.Hour
			mustVenue(t, db, v)
			seqBase := int64(0)
			for b, batch := range tc.batches {
				now := venueNow.Add(batch.after)
				var scans []*healthcode.Scan
				for _, d := range batch.doors {
					if d.seq > 0 {
						d.seq += seqBase
					}
					scans = append(scans, d.scan(v.ID, venueNow))
				}
				dup := record(t, db, now, scans...)
				for i, s := range scans {
					got := s.Verdict
					if s.Verdict == healthcode.VerdictDeny && reflect.DeepEqual(s.Reasons, []string{healthcode.DenyVenueFull}) {
						got = full + " (full)"
					}
					want := batch.want[i]
					if want == full && batch.doors[i].verdict != healthcode.VerdictDeny {
						want = full + " (full)"
					}
					if got != want || dup[i] {
						t.Errorf("batch %d scan %d (%+v): verdict %s, dup %v; want %s", b, i, batch.doors[i], got, dup[i], want)
					}
				}
				if got := occupancy(t, db, v.ID, now); got != batch.occ {
					t.Errorf("batch %d: occupancy %d, want %d", b, got, batch.occ)
				}
			}
			// What is stored is what the scans say now.
			stored, err := db.VenueScans(ctx, v.ID, healthcode.ScanWindow{From: venueNow.Add(-24 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range stored {
				if s.Verdict == healthcode.VerdictDeny && len(s.Reasons) == 0 {
					t.Errorf("stored deny without reasons: %+v", s)
				}
			}
		})
	}
}

func TestRecordScansStoresWhatItSets(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := mustVenue(t, db, newVenue("a", healthcode.VenueMall, "330106", 0))
	now := t0.Add(time.Hour)
	scans := []*healthcode.Scan{
		{VenueID: v.ID, DeviceID: 3, Source: healthcode.ScanOnline, Direction: healthcode.DirectionIn, Region: homeRegion,
			Subject: []byte{0, 1, 2, 255}, PersonID: 42, Colour: healthcode.Yellow, Verdict: healthcode.VerdictPass, At: t0},
		{VenueID: v.ID, DeviceID: 3, Seq: 17, Source: healthcode.ScanOffline, Direction: healthcode.DirectionOut,
			Region: "110000", Subject: []byte("x"), Colour: healthcode.Red, Verdict: healthcode.VerdictDeny,
			Reasons: []string{healthcode.DenyColour, healthcode.DenyTestRequired}, At: t0.Add(time.Second), ClockSkew: true},
		// A code that could not be read: no region, no subject.
		{VenueID: v.ID, DeviceID: 3, Source: healthcode.ScanOnline, Direction: healthcode.DirectionIn,
			Verdict: healthcode.VerdictDeny, Reasons: []string{healthcode.DenyMalformed}, At: t0.Add(2 * time.Second)},
	}
	record(t, db, now, scans...)
	for i, s := range scans {
		if s.ID == 0 || i > 0 && s.ID <= scans[i-1].ID || !s.ReceivedAt.Equal(us(now)) || s.ReceivedAt.Location() != time.UTC {
			t.Fatalf("scan %d: id %d, received at %v", i, s.ID, s.ReceivedAt)
		}
		s.At = us(s.At)
	}
	got, err := db.VenueScans(ctx, v.ID, healthcode.ScanWindow{From: t0.Add(-time.Hour), To: now})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, scans) {
		for i := range got {
			t.Logf("got  %+v", got[i])
		}
		for i := range scans {
			t.Logf("want %+v", scans[i])
		}
		t.Fatal("stored scans differ")
	}
	// Nothing to record is no error.
	if dup, err := db.RecordScans(ctx, nil, now); err != nil || len(dup) != 0 {
		t.Fatalf("empty batch: %v, %v", dup, err)
	}
}

func TestRecordScansOfflineUploadAgain(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := mustVenue(t, db, newVenue("a", healthcode.VenueOffice, "330106", 0))
	upload := func(seqs ...int64) []*healthcode.Scan {
		var scans []*healthcode.Scan
		for _, seq := range seqs {
			scans = append(scans, door{who: fmt.Sprint(seq), source: healthcode.ScanOffline, seq: seq,
				at: time.Duration(seq) * time.Second}.scan(v.ID, venueNow))
		}
		return scans
	}
	check := func(name string, scans []*healthcode.Scan, dup, want []bool) {
		t.Helper()
		if !reflect.DeepEqual(dup, want) {
			t.Fatalf("%s: dup %v, want %v", name, dup, want)
		}
		for i, s := range scans {
			if (s.ID == 0) != want[i] {
				t.Fatalf("%s: scan %d: id %d, dup %v", name, i, s.ID, want[i])
			}
		}
	}
	first := upload(1, 2, 3, 4, 5)
	check("first upload", first, record(t, db, venueNow, first...), []bool{false, false, false, false, false})
	// Sent again with more, and one number twice in the batch.
	again := upload(3, 4, 5, 6, 7, 7)
	check("again", again, record(t, db, venueNow.Add(time.Minute), again...), []bool{true, true, true, false, false, true})
	// Numbers far apart, some stored, others not.
	sparse := upload(1, 1000, 7, 1_000_000, 1000)
	check("sparse", sparse, record(t, db, venueNow.Add(2*time.Minute), sparse...), []bool{true, false, true, false, true})
	// Another device may use the same numbers; online scans carry none.
	other := upload(1, 2)
	other[0].DeviceID, other[1].DeviceID = 8, 8
	online := door{who: "z"}.scan(v.ID, venueNow)
	mixed := append(other, online, door{who: "y"}.scan(v.ID, venueNow))
	check("other device", mixed, record(t, db, venueNow.Add(3*time.Minute), mixed...), []bool{false, false, false, false})

	scans, err := db.VenueScans(ctx, v.ID, healthcode.ScanWindow{})
	if err != nil {
		t.Fatal(err)
	}
	if len(scans) != 13 {
		t.Fatalf("%d scans stored, want 13", len(scans))
	}
	// Each person once: 1..7, 1000, 1000000, the other device's 1 and 2
	// (the same people as 1 and 2), y and z.
	if got := occupancy(t, db, v.ID, venueNow.Add(3*time.Minute)); got != 11 {
		t.Fatalf("occupancy %d, want 11", got)
	}
}

func TestRecordScansLargeUploadAgain(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := mustVenue(t, db, newVenue("a", healthcode.VenueSubway, "330106", 0))
	upload := func(from, to int64) []*healthcode.Scan {
		var scans []*healthcode.Scan
		for seq := from; seq <= to; seq++ {
			d := door{who: fmt.Sprint(seq % 700), source: healthcode.ScanOffline, seq: seq, at: time.Duration(seq) * time.Millisecond}
			if seq%3 == 0 {
				d.dir = healthcode.DirectionOut
			}
			scans = append(scans, d.scan(v.ID, venueNow))
		}
		return scans
	}
	first := upload(1, 1337)
	record(t, db, venueNow, first...)
	again := upload(1000, 2500)
	dup := record(t, db, venueNow.Add(time.Minute), again...)
	for i, s := range again {
		if want := s.Seq <= 1337; dup[i] != want || (s.ID == 0) != want {
			t.Fatalf("seq %d: dup %v, id %d", s.Seq, dup[i], s.ID)
		}
	}
	stored, err := db.VenueScans(ctx, v.ID, healthcode.ScanWindow{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2500 {
		t.Fatalf("%d scans stored, want 2500", len(stored))
	}
	all := append(first, again[1337-1000+1:]...)
	for i, s := range stored {
		if s.ID != all[i].ID || s.Seq != int64(i+1) || (i > 0 && s.ID <= stored[i-1].ID) {
			t.Fatalf("stored %d: id %d seq %d, recorded id %d", i, s.ID, s.Seq, all[i].ID)
		}
	}
	// The last move of each of the 700 people decides whether they are in.
	last := map[string]string{}
	for _, s := range all {
		last[string(s.Subject)] = s.Direction
	}
	want := 0
	for _, dir := range last {
		if dir == healthcode.DirectionIn {
			want++
		}
	}
	if got := occupancy(t, db, v.ID, venueNow.Add(time.Minute)); got != want {
		t.Fatalf("occupancy %d, want %d", got, want)
	}
}

func TestRecordScansDuplicateMovesNoOne(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := newVenue("a", healthcode.VenueOffice, "330106", 0)
	mustVenue(t, db, v)
	in := door{who: "a", source: healthcode.ScanOffline, seq: 1}.scan(v.ID, venueNow)
	out := door{who: "a", dir: healthcode.DirectionOut, source: healthcode.ScanOffline, seq: 2, at: time.Minute}.scan(v.ID, venueNow)
	record(t, db, venueNow, in, out)
	// The entry sent again must not put the person back inside.
	again := door{who: "a", source: healthcode.ScanOffline, seq: 1}.scan(v.ID, venueNow)
	if dup := record(t, db, venueNow.Add(time.Hour), again); !dup[0] {
		t.Fatal("entry sent again not reported as a duplicate")
	}
	if got := occupancy(t, db, v.ID, venueNow.Add(time.Hour)); got != 0 {
		t.Fatalf("occupancy %d after a duplicate entry, want 0", got)
	}
}

func TestRecordScansUnknownVenueStoresNothing(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := mustVenue(t, db, newVenue("a", healthcode.VenueOffice, "330106", 5))
	scans := []*healthcode.Scan{
		door{who: "a"}.scan(v.ID, venueNow),
		door{who: "b", source: healthcode.ScanOffline, seq: 1}.scan(v.ID, venueNow),
		door{who: "c"}.scan("V999999", venueNow),
	}
	_, err := db.RecordScans(ctx, scans, venueNow)
	wantCode(t, err, healthcode.ENOTFOUND)
	for i, s := range scans {
		if s.ID != 0 || !s.ReceivedAt.IsZero() {
			t.Fatalf("scan %d changed by a failed batch: %+v", i, s)
		}
	}
	if n := countRows(t, db, "scans"); n != 0 {
		t.Fatalf("%d scans stored by a failed batch", n)
	}
	if got := occupancy(t, db, v.ID, venueNow); got != 0 {
		t.Fatalf("occupancy %d after a failed batch", got)
	}
	// The offline scan was not stored: sending it again stores it.
	if dup := record(t, db, venueNow, scans[1]); dup[0] {
		t.Fatal("scan of a failed batch reported as a duplicate")
	}
	_, err = db.Occupancy(ctx, "V999999", venueNow)
	wantCode(t, err, healthcode.ENOTFOUND)
}

func TestScanWindows(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := mustVenue(t, db, newVenue("a", healthcode.VenueMall, "330106", 0))
	w := mustVenue(t, db, newVenue("b", healthcode.VenueMall, "330106", 0))
	// a at v at 0, 1h, 2h; at w at 30m; b at v at 1h. Recorded out of
	// time order: listings are by time.
	record(t, db, venueNow,
		door{who: "a", at: 2 * time.Hour}.scan(v.ID, venueNow),
		door{who: "a", at: time.Hour}.scan(v.ID, venueNow),
		door{who: "a"}.scan(v.ID, venueNow),
		door{who: "b", at: time.Hour}.scan(v.ID, venueNow),
		door{who: "a", at: 30 * time.Minute}.scan(w.ID, venueNow),
	)
	other := door{who: "a", at: time.Hour}.scan(v.ID, venueNow)
	other.Region = "110000" // the same pseudonym in another region: someone else
	record(t, db, venueNow, other)
	type listing func(healthcode.ScanWindow) ([]*healthcode.Scan, error)
	byVenue := func(w healthcode.ScanWindow) ([]*healthcode.Scan, error) { return db.VenueScans(ctx, v.ID, w) }
	byA := func(w healthcode.ScanWindow) ([]*healthcode.Scan, error) {
		return db.SubjectScans(ctx, homeRegion, []byte("subject-a"), w)
	}
	h := func(d time.Duration) time.Time { return venueNow.Add(d) }
	for _, tc := range []struct {
		name string
		list listing
		w    healthcode.ScanWindow
		want []string // venue:subject@offset
	}{
		{"venue, all", byVenue, healthcode.ScanWindow{From: h(0), To: h(3 * time.Hour)},
			[]string{"a@0s", "a@1h0m0s", "b@1h0m0s", "a@1h0m0s", "a@2h0m0s"}},
		{"venue, to is exclusive", byVenue, healthcode.ScanWindow{From: h(0), To: h(time.Hour)}, []string{"a@0s"}},
		{"venue, from is inclusive", byVenue, healthcode.ScanWindow{From: h(2 * time.Hour), To: h(3 * time.Hour)}, []string{"a@2h0m0s"}},
		{"venue, limit", byVenue, healthcode.ScanWindow{From: h(0), To: h(3 * time.Hour), Limit: 2}, []string{"a@0s", "a@1h0m0s"}},
		{"venue, no end", byVenue, healthcode.ScanWindow{From: h(90 * time.Minute)}, []string{"a@2h0m0s"}},
		{"venue, empty", byVenue, healthcode.ScanWindow{From: h(5 * time.Hour), To: h(6 * time.Hour)}, []string{}},
		{"person, all", byA, healthcode.ScanWindow{From: h(0), To: h(3 * time.Hour)},
			[]string{"a@0s", "a@30m0s", "a@1h0m0s", "a@2h0m0s"}},
		{"person, window", byA, healthcode.ScanWindow{From: h(time.Minute), To: h(2 * time.Hour)}, []string{"a@30m0s", "a@1h0m0s"}},
		{"person, limit", byA, healthcode.ScanWindow{From: h(0), To: h(3 * time.Hour), Limit: 1}, []string{"a@0s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scans, err := tc.list(tc.w)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, s := range scans {
				got = append(got, fmt.Sprintf("%s@%v", s.Subject[len("subject-"):], s.At.Sub(venueNow)))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	// The person of another region is listed under it.
	scans, err := db.SubjectScans(ctx, "110000", []byte("subject-a"), healthcode.ScanWindow{})
	if err != nil || len(scans) != 1 || scans[0].ID != other.ID {
		t.Fatalf("other region: %v, %v", scans, err)
	}
}

func TestVenueStats(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := newVenue("a", healthcode.VenueMall, "330106", 0)
	v.MaxStay = time.Hour
	mustVenue(t, db, v)
	yellow := door{who: "y", at: 70 * time.Minute}.scan(v.ID, venueNow)
	yellow.Colour = healthcode.Yellow
	twoReasons := door{who: "r", verdict: "deny", at: 80 * time.Minute}.scan(v.ID, venueNow)
	twoReasons.Reasons = []string{healthcode.DenyColour, healthcode.DenyTestRequired}
	record(t, db, venueNow,
		door{who: "early", at: -time.Minute}.scan(v.ID, venueNow), // before the window
		door{who: "a"}.scan(v.ID, venueNow),
		door{who: "b", at: 10 * time.Minute}.scan(v.ID, venueNow),
		door{who: "a", at: 20 * time.Minute}.scan(v.ID, venueNow), // again: counted once inside
		door{who: "c", at: 30 * time.Minute}.scan(v.ID, venueNow), // a, b, c inside: 3
		door{who: "b", dir: "out", at: 40 * time.Minute}.scan(v.ID, venueNow),
		door{who: "x", verdict: "deny", at: 50 * time.Minute}.scan(v.ID, venueNow),
		// At 1h10: b left, the first entry of a expired but the second
		// holds until 1h20, c holds until 1h30: a, c, y inside: 3.
		yellow,
		twoReasons,
		// At 1h35: a and c expired: y, d inside.
		door{who: "d", at: 95 * time.Minute}.scan(v.ID, venueNow),
		door{who: "late", at: 3 * time.Hour}.scan(v.ID, venueNow), // after the window
	)
	st, err := db.VenueStats(ctx, v.ID, healthcode.ScanWindow{From: venueNow, To: venueNow.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := &healthcode.VenueStats{
		VenueID: v.ID, From: venueNow, To: venueNow.Add(2 * time.Hour),
		EntriesPerHour: []healthcode.HourCount{{Hour: venueNow, Entries: 4}, {Hour: venueNow.Add(time.Hour), Entries: 2}},
		PeakOccupancy:  3,
		Colours:        map[string]int64{"green": 5, "yellow": 1},
		Denials:        map[string]int64{healthcode.DenyColour: 2, healthcode.DenyTestRequired: 1},
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("stats %+v\nwant  %+v", st, want)
	}
	// Four people at once, when nobody leaves or expires.
	record(t, db, venueNow, door{who: "e", at: 96 * time.Minute}.scan(v.ID, venueNow),
		door{who: "f", at: 97 * time.Minute}.scan(v.ID, venueNow))
	st, err = db.VenueStats(ctx, v.ID, healthcode.ScanWindow{From: venueNow, To: venueNow.Add(2 * time.Hour)})
	if err != nil || st.PeakOccupancy != 4 {
		t.Fatalf("peak %d, %v; want 4", st.PeakOccupancy, err)
	}
	// An empty window.
	st, err = db.VenueStats(ctx, v.ID, healthcode.ScanWindow{From: venueNow.Add(10 * time.Hour), To: venueNow.Add(11 * time.Hour)})
	if err != nil || len(st.EntriesPerHour) != 0 || st.EntriesPerHour == nil || st.PeakOccupancy != 0 ||
		len(st.Colours) != 0 || len(st.Denials) != 0 {
		t.Fatalf("empty window: %+v, %v", st, err)
	}
	_, err = db.VenueStats(ctx, "V999999", healthcode.ScanWindow{})
	wantCode(t, err, healthcode.ENOTFOUND)
}

func TestPurgeScans(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := mustVenue(t, db, newVenue("a", healthcode.VenueCommunity, "330106", 0))
	// Ten scans received a day apart, each of its own person, entering.
	for day := range 10 {
		now := venueNow.Add(time.Duration(day) * 24 * time.Hour)
		record(t, db, now, door{who: fmt.Sprint(day)}.scan(v.ID, now))
	}
	before := venueNow.Add(5 * 24 * time.Hour) // days 0-4 are older
	for _, tc := range []struct {
		limit int
		want  int64
	}{{2, 2}, {2, 2}, {10, 1}, {10, 0}} {
		n, err := db.PurgeScans(ctx, before, tc.limit)
		if err != nil || n != tc.want {
			t.Fatalf("purge %d: %d, %v; want %d", tc.limit, n, err, tc.want)
		}
	}
	scans, err := db.VenueScans(ctx, v.ID, healthcode.ScanWindow{})
	if err != nil || len(scans) != 5 || !scans[0].ReceivedAt.Equal(before) {
		t.Fatalf("left %d scans, first %+v, %v", len(scans), scans[0], err)
	}
	// The presences entered more than 7 days before `before` went: days
	// 0-4 are less than 7 days before it and stay.
	if n := countRows(t, db, "venue_presence"); n != 10 {
		t.Fatalf("%d presences, want 10", n)
	}
	n, err := db.PurgeScans(ctx, venueNow.Add(10*24*time.Hour), 3)
	if err != nil || n != 3 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	// Days 0-2 entered more than 7 days before day 10.
	if n := countRows(t, db, "venue_presence"); n != 7 {
		t.Fatalf("%d presences, want 7", n)
	}
}

// TestRecordScansConcurrentKeepsCapacity has many writers entering and
// leaving one venue at once, each with people of its own: every round a
// new person of the writer tries to enter and, when the writer has two
// inside, the one who came first leaves in the same batch. Together the
// writers want more places than there are, so most batches race for the
// last one. The venue never holds more than its capacity, and in the end
// exactly the people the writers saw admitted and not out are inside.
func TestRecordScansConcurrentKeepsCapacity(t *testing.T) {
	const writers, rounds, capacity = 16, 25, 20
	db := storetest.MustOpenDB(t)
	v := mustVenue(t, db, newVenue("a", healthcode.VenueMall, "330106", capacity))
	var inside, admitted, refused [writers]int
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			var mine []string
			for r := range rounds {
				who := fmt.Sprintf("%d-%d", w, r)
				at := time.Duration(r) * time.Second
				scans := []*healthcode.Scan{door{who: who, at: at}.scan(v.ID, venueNow)}
				if len(mine) == 2 {
					scans = append(scans, door{who: mine[0], dir: healthcode.DirectionOut, at: at}.scan(v.ID, venueNow))
					mine = mine[1:]
				}
				if _, err := db.RecordScans(ctx, scans, venueNow.Add(at)); err != nil {
					errs <- err
					return
				}
				if scans[0].Verdict == healthcode.VerdictPass {
					mine = append(mine, who)
					admitted[w]++
				} else if !reflect.DeepEqual(scans[0].Reasons, []string{healthcode.DenyVenueFull}) {
					errs <- fmt.Errorf("entry refused with %v", scans[0].Reasons)
					return
				} else {
					refused[w]++
				}
				if occ, err := db.Occupancy(ctx, v.ID, venueNow.Add(at)); err != nil || occ > capacity {
					errs <- fmt.Errorf("occupancy %d (capacity %d), %v", occ, capacity, err)
					return
				}
			}
			inside[w] = len(mine)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want, in, out := 0, 0, 0
	for w := range writers {
		want, in, out = want+inside[w], in+admitted[w], out+refused[w]
	}
	if got := occupancy(t, db, v.ID, venueNow.Add(rounds*time.Second)); got != want || got > capacity {
		t.Fatalf("occupancy %d, want %d (capacity %d)", got, want, capacity)
	}
	if in == 0 || out == 0 {
		t.Fatalf("%d admitted, %d refused: the test raced for nothing", in, out)
	}
	t.Logf("%d admitted, %d refused, %d inside at the end", in, out, want)
}
