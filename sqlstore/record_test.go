package sqlstore_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

// fullBatch holds one record of every kind for key.
func fullBatch(key []byte, ext string) *healthcode.RecordBatch {
	return &healthcode.RecordBatch{
		Tests:          []healthcode.Test{{PersonKey: key, SampledAt: t0, Result: healthcode.Positive, Method: healthcode.MethodPCR, Lab: "lab 1", ExternalID: ext, RecordedAt: t0}},
		Vaccinations:   []healthcode.Vaccination{{PersonKey: key, Dose: 2, Product: "CoronaVac", At: t0, ExternalID: ext, RecordedAt: t0}},
		Cases:          []healthcode.Case{{PersonKey: key, Kind: healthcode.CaseConfirmed, DiagnosedAt: t0, Status: healthcode.CaseActive, ClosedAt: t0.Add(time.Hour), ExternalID: ext, RecordedAt: t0}},
		Contacts:       []healthcode.Contact{{PersonKey: key, Kind: healthcode.ContactClose, ExposedAt: t0, ExternalID: ext, RecordedAt: t0}},
		Quarantines:    []healthcode.Quarantine{{PersonKey: key, Kind: healthcode.QuarantineHome, From: t0, Until: t0.Add(7 * 24 * time.Hour), ExternalID: ext, RecordedAt: t0}},
		Travel:         []healthcode.Travel{{PersonKey: key, Division: "420100", From: t0, To: t0.Add(time.Hour), ExternalID: ext, RecordedAt: t0}},
		DrugPurchases:  []healthcode.DrugPurchase{{PersonKey: key, Class: "antipyretic", At: t0, VenueID: "pharmacy-1"}},
		RemoteStatuses: []healthcode.RemoteStatus{{PersonKey: key, Region: "CN-420100", Colour: healthcode.Red, At: t0}},
	}
}

func TestAddRecordsAndFacts(t *testing.T) {
	db := storetest.MustOpenDB(t)
	box := storetest.TestBox(t)
	key, other := box.PersonKey("A1"), box.PersonKey("B2")
	if err := db.AddRecords(ctx, fullBatch(key, "")); err != nil {
		t.Fatal(err)
	}
	if err := db.AddRecords(ctx, fullBatch(other, "")); err != nil {
		t.Fatal(err)
	}
	f, err := db.Facts(ctx, 0, key, t0)
	if err != nil {
		t.Fatal(err)
	}
	want := fullBatch(key, "")
	if len(f.Tests) != 1 || len(f.Vaccinations) != 1 || len(f.Cases) != 1 || len(f.Contacts) != 1 ||
		len(f.Quarantines) != 1 || len(f.Travel) != 1 || len(f.DrugPurchases) != 1 || len(f.RemoteStatuses) != 1 {
		t.Fatalf("Facts has not exactly one record of each kind of the key: %+v", f)
	}
	// IDs are the store's; compare the rest.
	f.Tests[0].ID, f.Vaccinations[0].ID, f.Cases[0].ID, f.Contacts[0].ID = 0, 0, 0, 0
	f.Quarantines[0].ID, f.Travel[0].ID, f.DrugPurchases[0].ID, f.RemoteStatuses[0].ID = 0, 0, 0, 0
	at, hour := us(t0), us(t0.Add(time.Hour))
	want.Tests[0].SampledAt, want.Vaccinations[0].At = at, at
	want.Cases[0].DiagnosedAt, want.Cases[0].ClosedAt = at, hour
	want.Contacts[0].ExposedAt = at
	want.Quarantines[0].From, want.Quarantines[0].Until = at, us(want.Quarantines[0].Until)
	want.Travel[0].From, want.Travel[0].To = at, hour
	want.DrugPurchases[0].At, want.RemoteStatuses[0].At = at, at
	want.Tests[0].RecordedAt, want.Vaccinations[0].RecordedAt, want.Cases[0].RecordedAt = at, at, at
	want.Contacts[0].RecordedAt, want.Quarantines[0].RecordedAt, want.Travel[0].RecordedAt = at, at, at
	got := healthcode.RecordBatch{Tests: f.Tests, Vaccinations: f.Vaccinations, Cases: f.Cases, Contacts: f.Contacts,
		Quarantines: f.Quarantines, Travel: f.Travel, DrugPurchases: f.DrugPurchases, RemoteStatuses: f.RemoteStatuses}
	if !reflect.DeepEqual(got, *want) {
		t.Fatalf("records =\n%+v\nwant\n%+v", got, *want)
	}

	// Without a person key there are no records, only region-wide facts.
	f, err = db.Facts(ctx, 0, nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	if f.Tests != nil || f.Cases != nil || f.RemoteStatuses != nil {
		t.Fatalf("records without a key: %+v", f)
	}
}

func TestFactsRecordsOldestFirst(t *testing.T) {
	db := storetest.MustOpenDB(t)
	key := storetest.TestBox(t).PersonKey("A1")
	b := &healthcode.RecordBatch{Tests: []healthcode.Test{
		{PersonKey: key, SampledAt: t0.Add(48 * time.Hour)},
		{PersonKey: key, SampledAt: t0},
		{PersonKey: key, SampledAt: t0.Add(24 * time.Hour)},
	}}
	if err := db.AddRecords(ctx, b); err != nil {
		t.Fatal(err)
	}
	f, err := db.Facts(ctx, 0, key, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range []int{0, 24, 48} {
		if !f.Tests[i].SampledAt.Equal(us(t0.Add(time.Duration(h) * time.Hour))) {
			t.Fatalf("test %d sampled at %v", i, f.Tests[i].SampledAt)
		}
	}
}

func TestAddRecordsIsIdempotentByExternalID(t *testing.T) {
	db := storetest.MustOpenDB(t)
	key := storetest.TestBox(t).PersonKey("A1")
	for i := 0; i < 2; i++ {
		if err := db.AddRecords(ctx, fullBatch(key, "ext-1")); err != nil {
			t.Fatalf("import %d: %v", i+1, err)
		}
	}
	// Records without an external id are never merged.
	for i := 0; i < 2; i++ {
		if err := db.AddRecords(ctx, &healthcode.RecordBatch{Tests: []healthcode.Test{{PersonKey: key, SampledAt: t0}}}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := db.Facts(ctx, 0, key, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tests) != 3 || len(f.Vaccinations) != 1 || len(f.Cases) != 1 || len(f.Contacts) != 1 || len(f.Quarantines) != 1 || len(f.Travel) != 1 {
		t.Fatalf("after re-import: %d tests (want 3), %d vaccinations, %d cases, %d contacts, %d quarantines, %d travel (want 1 each)",
			len(f.Tests), len(f.Vaccinations), len(f.Cases), len(f.Contacts), len(f.Quarantines), len(f.Travel))
	}
}

func TestAddRecordsIsAllOrNothing(t *testing.T) {
	db := storetest.MustOpenDB(t)
	key := storetest.TestBox(t).PersonKey("A1")
	b := fullBatch(key, "")
	// The last kind written holds a bad row, after every other kind.
	b.RemoteStatuses = append(b.RemoteStatuses, healthcode.RemoteStatus{PersonKey: key, Region: "CN-1", Colour: healthcode.Colour(7), At: t0})
	err := db.AddRecords(ctx, b)
	if err == nil {
		t.Fatal("a batch with a bad row was accepted")
	}
	wantCode(t, err, healthcode.EINVALID)

	b = fullBatch(key, "")
	b.Tests = append(b.Tests, healthcode.Test{PersonKey: nil, SampledAt: t0}) // no person
	if err := db.AddRecords(ctx, b); err == nil {
		t.Fatal("a record with no person key was accepted")
	}

	for _, table := range []string{"tests", "vaccinations", "cases", "contacts", "quarantines", "travel", "drug_purchases", "remote_statuses"} {
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s has %d rows after failed batches", table, n)
		}
	}
}

func TestRiskAreas(t *testing.T) {
	db := storetest.MustOpenDB(t)
	if areas, err := db.RiskAreas(ctx); err != nil || len(areas) != 0 {
		t.Fatalf("empty store: %v, %v", areas, err)
	}
	first := []healthcode.RiskArea{
		{Division: "420106", Area: "武昌区", Level: healthcode.RiskHigh, From: t0},
		{Division: "310115", Area: "浦东新区", Level: healthcode.RiskMedium, From: t0, Until: t0.Add(time.Hour)},
	}
	if err := db.ReplaceRiskAreas(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := []healthcode.RiskArea{{Division: "110105", Area: "朝阳区", Level: healthcode.RiskLow, From: us(t0)}}
	if err := db.ReplaceRiskAreas(ctx, second); err != nil {
		t.Fatal(err)
	}
	got, err := db.RiskAreas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, second) {
		t.Fatalf("RiskAreas = %+v, want only the replacement %+v", got, second)
	}
	// A bad list leaves the current one in force.
	bad := append(append([]healthcode.RiskArea{}, first...), healthcode.RiskArea{Division: "1", Level: "extreme"})
	if err := db.ReplaceRiskAreas(ctx, bad); err == nil {
		t.Fatal("bad level accepted")
	}
	got, _ = db.RiskAreas(ctx)
	if !reflect.DeepEqual(got, second) {
		t.Fatalf("after a failed replace RiskAreas = %+v", got)
	}
	f, err := db.Facts(ctx, 0, nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.RiskAreas, second) {
		t.Fatalf("Facts.RiskAreas = %+v", f.RiskAreas)
	}
}

func TestFactsDeclarationWindow(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	now := t0.AddDate(0, 1, 0)

	// Only an old declaration: the latest is always there.
	declare(t, db, p.ID, now.Add(-40*24*time.Hour))
	old := declare(t, db, p.ID, now.Add(-30*24*time.Hour))
	f, err := db.Facts(ctx, p.ID, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Declarations) != 1 || f.Declarations[0].ID != old.ID {
		t.Fatalf("with only old declarations got %+v, want the latest (%d) alone", f.Declarations, old.ID)
	}

	edge := declare(t, db, p.ID, now.Add(-14*24*time.Hour))
	recent := declare(t, db, p.ID, now.Add(-time.Hour))
	f, err = db.Facts(ctx, p.ID, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, d := range f.Declarations {
		ids = append(ids, d.ID)
	}
	if want := []int64{recent.ID, edge.ID}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("declarations %v, want the last 14 days newest first %v", ids, want)
	}

	// An old declaration with findings stays: only tests clear it.
	fever := &healthcode.Declaration{PersonID: p.ID, CaseContact: healthcode.ContactNo,
		Symptoms: []healthcode.Symptom{"fever"}, Findings: true, CreatedAt: now.Add(-50 * 24 * time.Hour)}
	if err := db.CreateDeclaration(ctx, fever); err != nil {
		t.Fatal(err)
	}
	f, err = db.Facts(ctx, p.ID, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	ids = ids[:0]
	for _, d := range f.Declarations {
		ids = append(ids, d.ID)
	}
	if want := []int64{recent.ID, edge.ID, fever.ID}; !reflect.DeepEqual(ids, want) || !f.Declarations[2].Findings {
		t.Fatalf("declarations %v, want %v with the old one's findings kept", ids, want)
	}
	// The bulk recompute reads the same, in the same order.
	var bulk []int64
	for _, d := range bulkFactsAt(t, db, p.ID, now).Declarations {
		bulk = append(bulk, d.ID)
	}
	if !reflect.DeepEqual(bulk, ids) {
		t.Fatalf("bulk read declarations %v, want %v as Facts", bulk, ids)
	}

	// Another person's declarations never show.
	q := mustPerson(t, db, "13800000002")
	if f, _ := db.Facts(ctx, q.ID, nil, now); len(f.Declarations) != 0 {
		t.Fatalf("another person's facts hold %d declarations", len(f.Declarations))
	}
}
