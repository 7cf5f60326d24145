package sqlstore_test

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// seedPeople makes n people numbered from first; every other one declares
// a stay in 310104.
func seedPeople(first, n int) []sqlstore.SeedPerson {
	people := make([]sqlstore.SeedPerson, n)
	for k := range people {
		i := first + k
		subject := make([]byte, 16)
		binary.BigEndian.PutUint64(subject, uint64(i)+1)
		temp := 36.5
		d := &healthcode.Declaration{Temperature: &temp, CaseContact: healthcode.ContactNo, CreatedAt: t0}
		if i%2 == 0 {
			d.Places = []healthcode.Stay{{Division: "310104", From: t0.Add(-48 * 3600e9), To: t0.Add(-24 * 3600e9)}}
		}
		people[k] = sqlstore.SeedPerson{
			Phone: fmt.Sprintf("138%08d", i), Subject: subject, CreatedAt: t0,
			Profile: healthcode.Profile{Name: fmt.Sprintf("张%d", i), IDType: healthcode.IDPassport, IDNumber: fmt.Sprintf("E%08d", i),
				Phone: fmt.Sprintf("138%08d", i), Address: "西湖区文三路1号", AddressDivision: "330106", Nationality: "CHN", UpdatedAt: t0},
			Declaration: d,
			Status:      &healthcode.Status{Colour: healthcode.Colour(i % 3), Since: t0, EvaluatedAt: t0, PolicyVersion: "v", Declared: true, Reasons: []healthcode.Reason{}},
		}
	}
	return people
}

// TestSeedPersons: seeded people are what signing in, saving a profile and
// declaring would have made.
func TestSeedPersons(t *testing.T) {
	db := storetest.MustOpenDB(t)
	people := seedPeople(0, 1500) // more than one multi-row statement
	ids, err := db.SeedPersons(ctx, people)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(people) {
		t.Fatalf("%d ids for %d people", len(ids), len(people))
	}
	for _, i := range []int{0, 1, 777, 1499} {
		p := people[i]
		person := mustPerson(t, db, p.Phone)
		if person.ID != ids[i] {
			t.Errorf("person %d: signing in finds id %d, seeded %d", i, person.ID, ids[i])
		}
		prof, err := db.FindProfile(ctx, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if prof.Name != p.Profile.Name || prof.IDNumber != p.Profile.IDNumber || prof.Address != p.Profile.Address || prof.AddressDivision != "330106" {
			t.Errorf("person %d: profile %+v", i, prof)
		}
		key, err := db.PersonKey(ctx, ids[i])
		if err != nil || string(key) != string(db.Box().PersonKey(p.Profile.IDNumber)) {
			t.Errorf("person %d: person key %x, %v", i, key, err)
		}
		ds, err := db.ListDeclarations(ctx, ids[i], 0)
		if err != nil || len(ds) != 1 || ds[0].ID != p.Declaration.ID || len(ds[0].Places) != len(p.Declaration.Places) {
			t.Errorf("person %d: declarations %+v, %v", i, ds, err)
		}
		st, err := db.FindStatus(ctx, ids[i])
		if err != nil || st.Colour != p.Status.Colour || !st.Declared {
			t.Errorf("person %d: status %+v, %v", i, st, err)
		}
	}
	var stays int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM declared_stays WHERE division = '310104'`).Scan(&stays); err != nil {
		t.Fatal(err)
	}
	if stays != 750 {
		t.Errorf("%d declared stays found by division, want 750", stays)
	}
}

// TestSeedPersonsConflict: seeding someone already registered fails the
// whole batch and writes none of it.
func TestSeedPersonsConflict(t *testing.T) {
	db := storetest.MustOpenDB(t)
	if _, err := db.SeedPersons(ctx, seedPeople(0, 10)); err != nil {
		t.Fatal(err)
	}
	_, err := db.SeedPersons(ctx, seedPeople(5, 10)) // 5 new, 5 already there
	wantCode(t, err, healthcode.ECONFLICT)
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM persons`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 10 {
		t.Errorf("%d persons after a refused batch, want 10", n)
	}
	if _, err := db.SeedPersons(ctx, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

// BenchmarkSeedPersons10k seeds 10,000 people per operation, the batch size
// healthcode gen uses.
func BenchmarkSeedPersons10k(b *testing.B) {
	db := storetest.MustOpenDB(b)
	next := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		people := seedPeople(next, 10000)
		next += 10000
		b.StartTimer()
		if _, err := db.SeedPersons(ctx, people); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(next), "ns/person")
}

// TestSeedVenues: seeded venues take the ids the store hands out next, in
// order, and read back as created; CreateVenue carries on after them.
func TestSeedVenues(t *testing.T) {
	db := storetest.MustOpenDB(t)
	mustVenue(t, db, newVenue("first", healthcode.VenueMall, "330106", 0))
	venues := []*healthcode.Venue{
		newVenue("b", healthcode.VenueSchool, "330106", 0),
		newVenue("c", healthcode.VenueRailway, "330108", 0),
		newVenue("d", healthcode.VenueCommunity, "330110", 0),
	}
	for _, v := range venues {
		v.CreatedAt = t0
	}
	if err := db.SeedVenues(ctx, venues); err != nil {
		t.Fatal(err)
	}
	for i, v := range venues {
		if want := fmt.Sprintf("V%06d", i+2); v.ID != want || !v.CreatedAt.Equal(us(t0)) || !v.UpdatedAt.Equal(us(t0)) {
			t.Errorf("venue %d: id %s, created %v, updated %v; want %s", i, v.ID, v.CreatedAt, v.UpdatedAt, want)
		}
		got, err := db.FindVenue(ctx, v.ID)
		if err != nil || !reflect.DeepEqual(got, v) {
			t.Errorf("venue %s reads back as %+v, %v; seeded %+v", v.ID, got, err, v)
		}
	}
	if v := mustVenue(t, db, newVenue("e", healthcode.VenueMall, "330106", 0)); v.ID != "V000005" {
		t.Errorf("a venue created after the seeded ones got %s, want V000005", v.ID)
	}
	bad := []*healthcode.Venue{newVenue("f", healthcode.VenueMall, "330106", 0), newVenue("", healthcode.VenueMall, "330106", 0)}
	wantCode(t, db.SeedVenues(ctx, bad), healthcode.EINVALID)
	if vs, err := db.ListVenues(ctx, healthcode.VenueFilter{}); err != nil || len(vs) != 5 {
		t.Errorf("%d venues after a refused seed, %v; want 5", len(vs), err)
	}
}

// TestSeedScans: seeded scans read back as RecordScans would have stored
// them, and the presences seeded count towards occupancy.
func TestSeedScans(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := mustVenue(t, db, newVenue("a", healthcode.VenueMall, "330106", 0))
	now := t0.Add(3 * time.Hour)
	seeded := []sqlstore.SeedScan{
		{VenueID: v.ID, Direction: healthcode.DirectionIn, Subject: []byte("ann"), PersonID: 1, Colour: healthcode.Green, At: t0},
		{VenueID: v.ID, Direction: healthcode.DirectionIn, Subject: []byte("bob"), PersonID: 2, Colour: healthcode.Yellow, At: t0.Add(time.Minute)},
		{VenueID: v.ID, Direction: healthcode.DirectionOut, Subject: []byte("ann"), PersonID: 1, Colour: healthcode.Green, At: t0.Add(time.Hour)},
	}
	inside := []sqlstore.SeedPresence{{VenueID: v.ID, Subject: []byte("bob"), EnteredAt: t0.Add(time.Minute)}}
	const region = "CN-33'0100" // quoted, not spliced into the statement
	if err := db.SeedScans(ctx, region, now, seeded, inside); err != nil {
		t.Fatal(err)
	}
	got, err := db.VenueScans(ctx, v.ID, healthcode.ScanWindow{From: t0.Add(-time.Hour), To: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(seeded) {
		t.Fatalf("%d scans read, %d seeded", len(got), len(seeded))
	}
	for i, s := range seeded {
		want := &healthcode.Scan{ID: got[i].ID, VenueID: v.ID, Source: healthcode.ScanOnline, Direction: s.Direction, Region: region,
			Subject: s.Subject, PersonID: s.PersonID, Colour: s.Colour, Verdict: healthcode.VerdictPass, At: us(s.At), ReceivedAt: us(now)}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("scan %d reads back as %+v, want %+v", i, got[i], want)
		}
	}
	if n := occupancy(t, db, v.ID, now); n != 1 {
		t.Errorf("occupancy %d after seeding one person inside, want 1", n)
	}
	// RecordScans carries on from the seeded log: bob leaves.
	record(t, db, now, &healthcode.Scan{VenueID: v.ID, Source: healthcode.ScanOnline, Direction: healthcode.DirectionOut,
		Region: region, Subject: []byte("bob"), PersonID: 2, Verdict: healthcode.VerdictPass, At: now})
	if n := occupancy(t, db, v.ID, now); n != 0 {
		t.Errorf("occupancy %d after the seeded person left, want 0", n)
	}
}

// scanIndexCount counts the indexes of the scan log but its primary key.
func scanIndexCount(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'scans' AND sql IS NOT NULL`
	if storetest.Backend() == "postgres" {
		q = `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'scans' AND indexname <> 'scans_pkey'`
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeferScanIndexes: an empty log's indexes (but the unique one) are
// dropped for seeding and built again as they were; a log holding scans
// keeps them.
func TestDeferScanIndexes(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := mustVenue(t, db, newVenue("a", healthcode.VenueMall, "330106", 0))
	before := scanIndexCount(t, db)
	rebuild, err := db.DeferScanIndexes(ctx)
	if err != nil || rebuild == nil {
		t.Fatalf("defer on an empty log: %v, rebuild %v", err, rebuild != nil)
	}
	if n := scanIndexCount(t, db); n != 1 {
		t.Errorf("%d indexes while seeding, want the unique one only", n)
	}
	var scans []sqlstore.SeedScan
	for i := range 1500 {
		scans = append(scans, sqlstore.SeedScan{VenueID: v.ID, Direction: healthcode.DirectionIn, Subject: []byte{byte(i), byte(i >> 8)},
			PersonID: int64(i + 1), At: t0.Add(time.Duration(i) * time.Second)})
	}
	if err := db.SeedScans(ctx, homeRegion, t0.Add(time.Hour), scans, nil); err != nil {
		t.Fatal(err)
	}
	if err := rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if n := scanIndexCount(t, db); n != before || before != 3 {
		t.Errorf("%d indexes after the rebuild, %d before", n, before)
	}
	got, err := db.VenueScans(ctx, v.ID, healthcode.ScanWindow{From: t0.Add(100 * time.Second), To: t0.Add(200 * time.Second)})
	if err != nil || len(got) != 100 {
		t.Errorf("%d scans in a window of 100, %v", len(got), err)
	}
	if rebuild, err := db.DeferScanIndexes(ctx); err != nil || rebuild != nil || scanIndexCount(t, db) != 3 {
		t.Errorf("defer on a log with scans: %v, rebuild %v; want the indexes kept", err, rebuild != nil)
	}
}
