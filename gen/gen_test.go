package gen

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/importer"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

var now = time.Date(2022, 5, 1, 0, 0, 0, 0, china)

func mustCity(t testing.TB, cfg Config) *City {
	t.Helper()
	if cfg.Region == "" {
		cfg.Region = "CN-330100"
	}
	if cfg.Now.IsZero() {
		cfg.Now = now
	}
	c, err := NewCity(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPersons: what a user of the city relies on, over many persons.
func TestPersons(t *testing.T) {
	c := mustCity(t, Config{Persons: 20000, Seed: 7, RiskShare: 0.1})
	phones, ids := map[string]bool{}, map[string]bool{}
	var passports, risk, cases, contacts int
	caseIDs := map[string]bool{}
	for i := range 20000 {
		p := c.Person(i)
		if _, ok := idnum.ValidPhone(p.Phone); !ok || phones[p.Phone] {
			t.Fatalf("person %d: phone %q invalid or taken", i, p.Phone)
		}
		phones[p.Phone] = true
		if n, err := idnum.ValidateDocument(p.IDType, p.IDNumber, now); err != nil || n != p.IDNumber || ids[p.IDNumber] {
			t.Fatalf("person %d: %s %q: %v (or taken)", i, p.IDType, p.IDNumber, err)
		}
		ids[p.IDNumber] = true
		if p.IDType == healthcode.IDResident {
			rid, _ := idnum.ValidateResidentID(p.IDNumber, now)
			if rid.Sex != p.Sex || rid.BirthDate != p.BirthDate || !strings.HasPrefix(p.Address, "浙江省杭州市") || p.Division[:4] != "3301" {
				t.Fatalf("person %d: %+v does not match its ID %+v", i, p, rid)
			}
		} else {
			passports++
		}
		if p.Name == "" || p.Declaration.CreatedAt.After(now) {
			t.Fatalf("person %d: %+v", i, p)
		}
		for _, r := range p.Tests {
			if r.SampledAt.After(now) || r.ReportedAt.Before(r.SampledAt) {
				t.Fatalf("person %d: test %+v", i, r)
			}
		}
		if len(p.Travel) > 0 && p.Travel[0].Division == "310104" {
			risk++
			if len(p.Declaration.Places) != 1 || p.Declaration.Places[0].Division != "310104" {
				t.Fatalf("person %d: a risk-area stay not declared", i)
			}
		}
		for _, cs := range p.Cases {
			cases++
			caseIDs[cs.ExternalID] = true
		}
		for _, ct := range p.Contacts {
			contacts++
			if !caseIDs[ct.CaseID] {
				t.Fatalf("person %d: contact of unknown case %q", i, ct.CaseID)
			}
		}
	}
	if passports < 100 || passports > 300 || risk < 1800 || risk > 2200 || cases < 5 || contacts < 5*cases {
		t.Errorf("passports %d, risk stays %d, cases %d, contacts %d", passports, risk, cases, contacts)
	}
}

func TestDeterministic(t *testing.T) {
	a, b := mustCity(t, Config{Persons: 100, Seed: 3}), mustCity(t, Config{Persons: 100, Seed: 3})
	other := mustCity(t, Config{Persons: 100, Seed: 4})
	for _, i := range []int{0, 42, 99} {
		if !reflect.DeepEqual(a.Person(i), b.Person(i)) {
			t.Errorf("person %d differs between two cities of one seed", i)
		}
		if a.Person(i).Phone == other.Person(i).Phone {
			t.Errorf("person %d has the same phone under another seed", i)
		}
	}
}

func TestBenchmarkShapes(t *testing.T) {
	c := mustCity(t, Config{Persons: 2000, Seed: 1, RiskShare: 1, TestsPerPerson: 1, RiskDivision: "440106"})
	for i := range 2000 {
		p := c.Person(i)
		if len(p.Tests) != 1 || len(p.Travel) != 1 || p.Travel[0].Division != "440106" || len(p.Declaration.Places) != 1 {
			t.Fatalf("person %d: %d tests, travel %+v", i, len(p.Tests), p.Travel)
		}
	}
}

func TestNewCityErrors(t *testing.T) {
	tests := []struct {
		cfg   Config
		field string
	}{
		{Config{Persons: -1, Region: "CN-330100", Now: now}, "persons"},
		{Config{Region: "CN-330100", RiskShare: 1.5, Now: now}, "risk-share"},
		{Config{Region: "CN-650100", Now: now}, "region"},
		{Config{Region: "330100", Now: now}, "region"},
		{Config{Region: "CN-330100", RiskDivision: "999999", Now: now}, "risk-division"},
		{Config{Region: "CN-330100", TestsPerPerson: -1, Now: now}, "tests-per-person"},
	}
	for _, tt := range tests {
		_, err := NewCity(tt.cfg)
		if healthcode.ErrorFields(err)[tt.field] == "" {
			t.Errorf("%+v: error %v, want one naming %s", tt.cfg, err, tt.field)
		}
	}
}

// TestFiles: the record files carry exactly the import headers, parse as
// CSV, and risk-areas.json is the risk area list.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	f, err := CreateFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := mustCity(t, Config{Persons: 500, Seed: 2, RiskShare: 0.2})
	sum, err := Run(context.Background(), c, Options{Files: f, Batch: 128})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if sum.Persons != 500 || sum.Rows["persons.csv"] != 500 || sum.Rows["venues.csv"] != 20 || sum.Rows["scans.csv"] != 750 {
		t.Errorf("summary %+v", sum)
	}
	if rows := readCSV(t, filepath.Join(dir, "scans.csv")); len(rows) != 751 || !slices.Equal(rows[0], Headers["scans.csv"]) {
		t.Errorf("scans.csv: %d rows, header %v", len(rows), rows[0])
	}
	for _, kind := range healthcode.RecordKinds {
		names, _ := importer.Fields(kind)
		rows := readCSV(t, filepath.Join(dir, kind+".csv"))
		if !slices.Equal(rows[0], names) {
			t.Errorf("%s header %v, want the import fields %v", kind, rows[0], names)
		}
		if int64(len(rows)-1) != sum.Rows[kind+".csv"] || len(rows) < 2 {
			t.Errorf("%s: %d rows, summary says %d", kind, len(rows)-1, sum.Rows[kind+".csv"])
		}
	}
	var areas []map[string]string
	b, err := os.ReadFile(filepath.Join(dir, "risk-areas.json"))
	if err == nil {
		err = json.Unmarshal(b, &areas)
	}
	if err != nil || len(areas) != 2 || areas[0]["division"] != "310104" || areas[0]["level"] != "high" || areas[0]["area"] == "" {
		t.Errorf("risk areas %v: %v", areas, err)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	rows, err := csv.NewReader(file).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// TestRunStore: a stored city signs in, holds profiles and statuses of
// every colour once its records are stored too (the demo).
func TestRunStore(t *testing.T) {
	db := storetest.MustOpenDB(t)
	c := mustCity(t, Config{Persons: 300, Seed: 5, RiskShare: 0.1})
	sum, err := Run(context.Background(), c, Options{Store: db, Records: true, Batch: 100})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Colours[0]+sum.Colours[1]+sum.Colours[2] != 300 || sum.Colours[1] == 0 || sum.Colours[2] == 0 {
		t.Errorf("colours %v: a demo city should show every colour", sum.Colours)
	}
	p := c.Person(17)
	person, err := db.FindOrCreatePerson(context.Background(), p.Phone, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := db.FindProfile(context.Background(), person.ID)
	if err != nil || prof.IDNumber != p.IDNumber || prof.Name != p.Name {
		t.Errorf("profile %+v, %v", prof, err)
	}
	if _, err := Run(context.Background(), c, Options{Store: db}); healthcode.ErrorCode(err) != healthcode.ECONFLICT {
		t.Errorf("seeding the same city twice: %v, want a conflict", err)
	}
}

// TestScans: the scan log's shape, over a city held in memory: the total
// asked for, stays in order within the window, most with an out, some
// across midnight, busy and quiet venues, favourites visited again, and
// stays of different people that overlap.
func TestScans(t *testing.T) {
	const persons, venues, scans = 5000, 200, 50000
	c := mustCity(t, Config{Persons: persons, Venues: venues, Scans: scans, ScanDays: 14, Seed: 8})
	from, to := c.ScanWindow()
	if !to.Equal(now) || !from.Equal(now.AddDate(0, 0, -14)) {
		t.Fatalf("window %v to %v", from, to)
	}
	kinds := map[string]bool{}
	for _, v := range c.Venues() {
		kinds[v.Kind] = true
	}
	if len(c.Venues()) != venues || len(kinds) != len(healthcode.VenueKinds) {
		t.Errorf("%d venues of %d kinds, want %d of every kind %v", len(c.Venues()), len(kinds), venues, healthcode.VenueKinds)
	}
	type stay struct {
		person   int
		from, to time.Time
	}
	byVenue := make([][]stay, venues)
	perVenue := make([]int, venues)
	var total, visits, outs, midnight, again, idle int
	for i := range persons {
		p := c.Person(i)
		total += len(p.Scans)
		if len(p.Scans) == 0 {
			idle++
		}
		seen := map[int]bool{}
		for j, s := range p.Scans {
			if s.At.Before(from) || !s.At.Before(to) || (j > 0 && s.At.Before(p.Scans[j-1].At)) {
				t.Fatalf("person %d: scan %d at %v, out of order or outside %v to %v", i, j, s.At, from, to)
			}
			if s.VenueID != c.Venues()[s.Venue].ID {
				t.Fatalf("person %d: scan %+v names another venue", i, s)
			}
			perVenue[s.Venue]++
			switch s.Direction {
			case healthcode.DirectionIn:
				visits++
				if seen[s.Venue] {
					again++
				}
				seen[s.Venue] = true
				if j+1 == len(p.Scans) || p.Scans[j+1].Direction == healthcode.DirectionIn {
					byVenue[s.Venue] = append(byVenue[s.Venue], stay{i, s.At, s.At.Add(time.Hour)})
				}
			case healthcode.DirectionOut:
				outs++
				in := p.Scans[j-1]
				if j == 0 || in.Direction != healthcode.DirectionIn || in.Venue != s.Venue || !in.At.Before(s.At) {
					t.Fatalf("person %d: out %+v does not follow an in there", i, s)
				}
				if in.At.In(china).Day() != s.At.In(china).Day() {
					midnight++
				}
				byVenue[s.Venue] = append(byVenue[s.Venue], stay{i, in.At, s.At})
			default:
				t.Fatalf("person %d: direction %q", i, s.Direction)
			}
		}
	}
	if total != scans {
		t.Errorf("%d scans, want %d", total, scans)
	}
	if share := float64(outs) / float64(visits); share < 0.7 || share > 0.9 {
		t.Errorf("%d of %d visits with an out scan", outs, visits)
	}
	if midnight < outs/20 {
		t.Errorf("%d of %d stays cross midnight", midnight, outs)
	}
	if again < visits/2 {
		t.Errorf("%d of %d visits go back to a venue the person visited before", again, visits)
	}
	if idle < persons/20 || idle > persons/5 {
		t.Errorf("%d of %d persons never scan", idle, persons)
	}
	slices.Sort(perVenue)
	if median, busiest := perVenue[venues/2], perVenue[venues-1]; busiest < 10*median || median == 0 {
		t.Errorf("median venue %d scans, busiest %d: want a few busy venues and many quiet ones", median, busiest)
	}
	overlaps := 0
	for _, stays := range byVenue {
		slices.SortFunc(stays, func(a, b stay) int { return a.from.Compare(b.from) })
		for k := 1; k < len(stays); k++ {
			if stays[k].person != stays[k-1].person && stays[k].from.Before(stays[k-1].to) {
				overlaps++
			}
		}
	}
	if overlaps < visits/10 {
		t.Errorf("%d overlapping stays of %d visits: tracing would find few contacts", overlaps, visits)
	}
}

// storedScan is a scan as the store holds it, its person named by the
// phone hash (the same in two stores of one key).
type storedScan struct {
	Person                     string
	Venue, Direction           string
	Colour, At                 int64
	region, source, verdict    string
	device, seq, received, pid int64
	subject                    []byte
}

func readScans(t *testing.T, db *sqlstore.DB) []storedScan {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT p.phone_hash, s.venue_id, s.direction, s.colour, s.at,
		s.region, s.source, s.verdict, s.device_id, s.seq, s.received_at, s.person_id, s.subject, p.subject
		FROM scans s LEFT JOIN persons p ON p.id = s.person_id ORDER BY s.person_id, s.at, s.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedScan
	for rows.Next() {
		var s storedScan
		var hash, personSubject []byte
		if err := rows.Scan(&hash, &s.Venue, &s.Direction, &s.Colour, &s.At, &s.region, &s.source, &s.verdict, &s.device, &s.seq,
			&s.received, &s.pid, &s.subject, &personSubject); err != nil {
			t.Fatal(err)
		}
		if hash == nil || !bytes.Equal(s.subject, personSubject) {
			t.Fatalf("scan %+v: person %d not seeded, or subject %x is not theirs (%x)", s, s.pid, s.subject, personSubject)
		}
		s.Person = string(hash)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRunScans: a city seeded into a store holds its venues and its scan
// log, as RecordScans would have stored it, and who is inside; the log
// is the same for the same seed.
func TestRunScans(t *testing.T) {
	ctx := context.Background()
	cfg := Config{Persons: 200, Venues: 10, Scans: 2000, Seed: 12, Region: "CN-330100"}
	db := storetest.MustOpenDB(t)
	c := mustCity(t, cfg)
	indexing := 0
	sum, err := Run(ctx, c, Options{Store: db, Batch: 64, Indexing: func() { indexing++ }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Venues != 10 || sum.Scans != 2000 || indexing != 1 {
		t.Errorf("summary: %d venues, %d scans, indexing called %d times", sum.Venues, sum.Scans, indexing)
	}
	venues, err := db.ListVenues(ctx, healthcode.VenueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	ids := map[string]*healthcode.Venue{}
	for k, v := range venues {
		want := c.Venues()[k]
		if v.ID != want.ID || v.Kind != want.Kind || v.Name != want.Name || v.Division != want.Division ||
			v.MaxStay != healthcode.DefaultMaxStay(v.Kind) || !slices.Equal(v.Policy.Colours, healthcode.DefaultEntryPolicy(v.Kind).Colours) {
			t.Errorf("venue %d: %+v, generated %+v", k, v, want)
		}
		kinds[v.Kind] = true
		ids[v.ID] = v
	}
	if len(venues) != 10 || len(kinds) < 6 {
		t.Errorf("%d venues of %d kinds", len(venues), len(kinds))
	}

	from, to := c.ScanWindow()
	scans := readScans(t, db)
	if len(scans) != 2000 {
		t.Fatalf("%d scans stored, want 2000", len(scans))
	}
	last := map[[2]string]storedScan{} // the last scan of a person at a venue
	for k, s := range scans {
		if s.region != "CN-330100" || s.source != healthcode.ScanOnline || s.verdict != healthcode.VerdictPass || s.device != 0 ||
			s.seq != 0 || s.received != now.UnixMicro() || ids[s.Venue] == nil {
			t.Fatalf("scan %+v", s)
		}
		if s.At < from.UnixMicro() || s.At >= to.UnixMicro() {
			t.Fatalf("scan %+v outside %v to %v", s, from, to)
		}
		if s.Colour != int64(healthcode.Green) && (s.Colour != int64(healthcode.Yellow) || ids[s.Venue].Kind != healthcode.VenueHospital) {
			t.Fatalf("scan %+v: a colour its venue turns away", s)
		}
		if s.Direction == healthcode.DirectionOut {
			in := scans[k-1]
			if k == 0 || in.pid != s.pid || in.Direction != healthcode.DirectionIn || in.Venue != s.Venue || in.At >= s.At {
				t.Fatalf("out %+v does not follow an in of the person there (%+v)", s, in)
			}
		}
		last[[2]string{s.Venue, string(s.subject)}] = s
	}
	// Who is inside: each person whose last scan at a venue in the last
	// week is an entry, as RecordScans leaves them.
	want := map[[2]string]int64{}
	for k, s := range last {
		if s.Direction == healthcode.DirectionIn && s.At >= now.Add(-healthcode.MaxVenueMaxStay).UnixMicro() {
			want[k] = s.At
		}
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT venue_id, region, subject, entered_at FROM venue_presence`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[[2]string]int64{}
	for rows.Next() {
		var venue, region string
		var subject []byte
		var at int64
		if err := rows.Scan(&venue, &region, &subject, &at); err != nil {
			t.Fatal(err)
		}
		got[[2]string{venue, string(subject)}] = at
	}
	rows.Close()
	if !maps.Equal(got, want) || len(want) == 0 {
		t.Errorf("%d presences stored, want %d", len(got), len(want))
	}
	// The log reads by venue and by person through its indexes again.
	for _, q := range []string{`SELECT count(*) FROM scans WHERE venue_id = 'V000001' AND at >= 0`,
		`SELECT count(*) FROM scans WHERE subject = X'00' AND at >= 0`} {
		if storetest.Backend() == "postgres" {
			q = strings.Replace(q, "X'00'", "'\\x00'::bytea", 1)
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if n := scanIndexes(t, db); n != 3 {
		t.Errorf("%d indexes on scans after seeding, want 3", n)
	}

	// The same seed makes the same log in another store; another seed
	// another log.
	again := storetest.MustOpenDB(t)
	if _, err := Run(ctx, mustCity(t, cfg), Options{Store: again, Batch: 50}); err != nil {
		t.Fatal(err)
	}
	if second := readScans(t, again); !reflect.DeepEqual(project(scans), project(second)) {
		t.Error("the same seed stored another scan log")
	}
	cfg.Seed++
	other := storetest.MustOpenDB(t)
	if _, err := Run(ctx, mustCity(t, cfg), Options{Store: other}); err != nil {
		t.Fatal(err)
	}
	if third := readScans(t, other); reflect.DeepEqual(project(scans), project(third)) {
		t.Error("another seed stored the same scan log")
	}
}

// project keeps what a seed decides of a scan: not the random subjects
// or the person ids the store hands out.
func project(scans []storedScan) []storedScan {
	out := make([]storedScan, len(scans))
	for i, s := range scans {
		out[i] = storedScan{Person: s.Person, Venue: s.Venue, Direction: s.Direction, Colour: s.Colour, At: s.At}
	}
	slices.SortFunc(out, func(a, b storedScan) int {
		return cmp.Or(strings.Compare(a.Person, b.Person), cmp.Compare(a.At, b.At), strings.Compare(a.Direction, b.Direction))
	})
	return out
}

// scanIndexes counts the indexes of the scans table but its primary key.
func scanIndexes(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'scans' AND sql IS NOT NULL`
	if storetest.Backend() == "postgres" {
		q = `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'scans' AND indexname <> 'scans_pkey'`
	}
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRunScansIntoALog: seeding a store whose log holds scans already
// keeps its indexes and adds to it.
func TestRunScansIntoALog(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpenDB(t)
	if _, err := Run(ctx, mustCity(t, Config{Persons: 50, Venues: 3, Scans: 100, Seed: 1}), Options{Store: db}); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(ctx, mustCity(t, Config{Persons: 50, Venues: 4, Scans: 120, Seed: 2}), Options{Store: db,
		Indexing: func() { t.Error("indexes rebuilt over a log that held scans") }})
	if err != nil {
		t.Fatal(err)
	}
	var venues, scans int
	if err := db.SQL().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM venues), (SELECT count(*) FROM scans)`).Scan(&venues, &scans); err != nil {
		t.Fatal(err)
	}
	if venues != 7 || scans != 220 || sum.Scans != 120 || scanIndexes(t, db) != 3 {
		t.Errorf("%d venues, %d scans, summary %+v", venues, scans, sum)
	}
	// The second city's scans name its own venues, V000004 to V000007.
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM scans WHERE venue_id IN ('V000004', 'V000005', 'V000006', 'V000007')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 120 {
		t.Errorf("%d of the second city's 120 scans at its venues", n)
	}
}
