package sqlstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

var errPeek = errors.New("peek only")

// bulkFacts returns the facts a bulk recompute reads for personID: the
// person is made due, a chunk is taken and read, and rolled back unjudged.
func bulkFacts(t *testing.T, db *sqlstore.DB, personID int64) healthcode.Facts {
	t.Helper()
	return bulkFactsAt(t, db, personID, importNow)
}

// bulkFactsAt is bulkFacts as of now.
func bulkFactsAt(t *testing.T, db *sqlstore.DB, personID int64, now time.Time) healthcode.Facts {
	t.Helper()
	if err := db.SaveStatus(ctx, personID, &healthcode.Status{Colour: healthcode.Green,
		ReevaluateAt: now.Add(-time.Hour), EvaluatedAt: now.Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var facts *healthcode.Facts
	_, err := db.RecomputeDue(ctx, now, 100, func(c *healthcode.DueChunk) ([]*healthcode.Status, []bool, error) {
		for i := range c.Statuses {
			if c.Statuses[i].PersonID == personID {
				facts = &c.Statuses[i].Facts
			}
		}
		return nil, nil, errPeek
	})
	if !errors.Is(err, errPeek) || facts == nil {
		t.Fatalf("RecomputeDue = %v; person %d taken: %v", err, personID, facts != nil)
	}
	return *facts
}

// recordIDs lists the external ids of the tests, vaccinations and drug
// purchases (by venue) of f.
func recordIDs(f healthcode.Facts) []string {
	var ids []string
	for _, r := range f.Tests {
		ids = append(ids, "test "+r.ExternalID)
	}
	for _, r := range f.Vaccinations {
		ids = append(ids, "vaccination "+r.ExternalID)
	}
	for _, r := range f.DrugPurchases {
		ids = append(ids, "purchase "+r.VenueID)
	}
	return ids
}

// Both reads of a person's records, the bulk recompute's and Facts, go by
// the person id stored on each row: rows that arrive before their person
// registers, and rows of a document number a person leaves or takes, must
// follow the profile.
func TestBulkRecordsFollowTheProfile(t *testing.T) {
	db := storetest.MustOpenDB(t)
	key1, key2 := db.Box().PersonKey(residentID(1)), db.Box().PersonKey(residentID(2))
	// Before anyone registers: one row by import, one by AddRecords.
	sum := mustImport(t, db, healthcode.KindTests, testsHeader+"t1,"+residentID(1)+",2026-11-19,,negative\n", importNow)
	if sum.Pending != 1 {
		t.Fatalf("summary = %+v, want 1 pending", sum)
	}
	if err := db.AddRecords(ctx, &healthcode.RecordBatch{DrugPurchases: []healthcode.DrugPurchase{
		{PersonKey: key1, Class: "cough", At: importNow, VenueID: "V000001"}}}); err != nil {
		t.Fatal(err)
	}

	check := func(step string, personID int64, key []byte, want ...string) {
		t.Helper()
		bulk := recordIDs(bulkFacts(t, db, personID))
		single, err := db.Facts(ctx, personID, key, importNow)
		if err != nil {
			t.Fatal(err)
		}
		if got, one := fmtList(bulk), fmtList(recordIDs(*single)); got != fmtList(want) || one != got {
			t.Errorf("%s: bulk read %s, single read %s; want %s", step, got, one, fmtList(want))
		}
	}

	alice := registered(t, db, "13800000001", residentID(1))
	check("alice registers", alice, key1, "test t1", "purchase V000001")

	// Rows stored once she is registered, by both paths.
	mustImport(t, db, healthcode.KindVaccinations, "id,id_number,product,dose,date\nv1,"+residentID(1)+",CoronaVac,1,2026-11-01\n", importNow)
	check("records for alice", alice, key1, "test t1", "vaccination v1", "purchase V000001")

	// She corrects her document number: the old rows are nobody's, rows
	// of the new number hers.
	mustImport(t, db, healthcode.KindTests, testsHeader+"t2,"+residentID(2)+",2026-11-19,,negative\n", importNow)
	if err := db.SaveProfile(ctx, profileOf(alice, residentID(2))); err != nil {
		t.Fatal(err)
	}
	check("alice changes her number", alice, key2, "test t2")

	// Whoever registers the old number gets its rows.
	bob := registered(t, db, "13800000002", residentID(1))
	check("bob takes the old number", bob, key1, "test t1", "vaccination v1", "purchase V000001")
	check("alice keeps hers", alice, key2, "test t2")

	// A correction moving a row to another person moves its person too.
	mustImport(t, db, healthcode.KindTests, testsHeader+"t2,"+residentID(1)+",2026-11-19,2026-11-20,negative\n", importNow.Add(time.Hour))
	check("t2 corrected to bob", bob, key1, "test t1", "test t2", "vaccination v1", "purchase V000001")
	check("alice after the correction", alice, key2)
}

func fmtList(s []string) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out + "]"
}

// A person who registers while an import runs, after the import looked
// their rows' key up, still gets the rows: the import links them at its
// end and marks the person due. Only PostgreSQL lets a registration
// commit during an import; SQLite's write lock holds it off until the
// commit, after which the registration links the rows itself (above).
func TestImportLinksAPersonWhoRegisteredMeanwhile(t *testing.T) {
	db := storetest.MustOpenDB(t)
	if db.Backend() != "postgres" {
		t.Skip("SQLite's write lock keeps every registration out of a running import")
	}
	p := mustPerson(t, db, "13800000001")
	importWhileProfilesChange(t, db, func() {
		if err := db.SaveProfile(ctx, profileOf(p.ID, residentID(1))); err != nil {
			t.Error(err)
		}
		if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{Colour: healthcode.Green, EvaluatedAt: importNow}); err != nil {
			t.Error(err)
		}
	})
	if got := dueAt(t, db, p.ID); got != importNow.UnixMicro() {
		t.Errorf("status due at %d, want the import time %d", got, importNow.UnixMicro())
	}
	if got := fmtList(recordIDs(bulkFacts(t, db, p.ID))); got != "[test t1]" {
		t.Errorf("bulk read %s, want [test t1]", got)
	}
}

// A document number that changes hands while an import runs, after the
// import looked its rows' key up for the former holder, still ends with
// the new holder: the import lets the former holder's rows go before it
// links the pending ones, whatever order it meets the two profiles in.
// (Only PostgreSQL lets the profiles change during an import.)
func TestImportRelinksAKeyThatChangedHands(t *testing.T) {
	db := storetest.MustOpenDB(t)
	if db.Backend() != "postgres" {
		t.Skip("SQLite's write lock keeps every registration out of a running import")
	}
	alice := registered(t, db, "13800000001", residentID(1))
	bob := mustPerson(t, db, "13800000002")
	importWhileProfilesChange(t, db, func() {
		// Alice corrects her number; Bob registers the one she left.
		if err := db.SaveProfile(ctx, profileOf(alice, residentID(2))); err != nil {
			t.Error(err)
		}
		if err := db.SaveProfile(ctx, profileOf(bob.ID, residentID(1))); err != nil {
			t.Error(err)
		}
	})
	key1, key2 := db.Box().PersonKey(residentID(1)), db.Box().PersonKey(residentID(2))
	for _, c := range []struct {
		name     string
		personID int64
		key      []byte
		want     string
	}{{"bob", bob.ID, key1, "[test t1]"}, {"alice", alice, key2, "[]"}} {
		single, err := db.Facts(ctx, c.personID, c.key, importNow)
		if err != nil {
			t.Fatal(err)
		}
		bulk := fmtList(recordIDs(bulkFacts(t, db, c.personID)))
		if one := fmtList(recordIDs(*single)); bulk != c.want || one != c.want {
			t.Errorf("%s: bulk read %s, single read %s; want %s", c.name, bulk, one, c.want)
		}
	}
}

// importWhileProfilesChange imports one positive test of residentID(1),
// running change once the import has looked the row's key up, and fails
// unless the row is stored for a registered person.
func importWhileProfilesChange(t *testing.T, db *sqlstore.DB, change func()) {
	t.Helper()
	once := false
	defer sqlstore.SetAfterPeopleLookup(func() {
		if !once {
			once = true
			change()
		}
	})()
	sum := mustImport(t, db, healthcode.KindTests, testsHeader+"t1,"+residentID(1)+",2026-11-19,,positive\n", importNow)
	if !once {
		t.Fatal("the import looked nobody up")
	}
	if sum.Accepted != 1 || sum.Pending != 0 {
		t.Errorf("summary = %+v, want 1 accepted, none pending", sum)
	}
}
