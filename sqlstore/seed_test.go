package sqlstore_test

import (
	"encoding/binary"
	"fmt"
	"testing"

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
