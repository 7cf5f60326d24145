package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/importer"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

var importNow = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// residentID returns a valid resident ID number ending in sequence seq.
func residentID(seq int) string {
	d := fmt.Sprintf("11010519491231%03d", seq%1000)
	sum, w := 0, 1
	for i := len(d) - 1; i >= 0; i-- {
		w = w * 2 % 11
		sum += int(d[i]-'0') * w
	}
	return d + string("10X98765432"[sum%11])
}

// importFile imports a CSV file of kind at now.
func importFile(t testing.TB, db *sqlstore.DB, kind, data string, now time.Time) (*healthcode.ImportSummary, error) {
	t.Helper()
	rd, err := importer.NewReader(kind, healthcode.FormatCSV, strings.NewReader(data), db.Box().PersonKey, now)
	if err != nil {
		t.Fatal(err)
	}
	return db.ImportRecords(ctx, rd, now)
}

func mustImport(t testing.TB, db *sqlstore.DB, kind, data string, now time.Time) *healthcode.ImportSummary {
	t.Helper()
	sum, err := importFile(t, db, kind, data, now)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// registered makes a person with a profile and a stored status that is not
// due, and returns the person's id.
func registered(t *testing.T, db *sqlstore.DB, phone, idNumber string) int64 {
	t.Helper()
	p := mustPerson(t, db, phone)
	if err := db.SaveProfile(ctx, profileOf(p.ID, idNumber)); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{Colour: healthcode.Green, EvaluatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// dueAt returns when the person's stored status is due (its own time or a
// due mark), in unix microseconds, 0 when never.
func dueAt(t *testing.T, db *sqlstore.DB, personID int64) int64 {
	t.Helper()
	st, err := db.FindStatus(ctx, personID)
	if err != nil {
		t.Fatal(err)
	}
	if st.ReevaluateAt.IsZero() {
		return 0
	}
	return st.ReevaluateAt.UnixMicro()
}

func countRows(t *testing.T, db *sqlstore.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const testsHeader = "id,id_number,sampled_at,reported_at,result\n"

func TestImportStoresMarksAndCountsPending(t *testing.T) {
	db := storetest.MustOpenDB(t)
	alice := registered(t, db, "13800000001", residentID(1))
	bob := registered(t, db, "13800000002", residentID(2)) // no row names him
	file := testsHeader +
		"t1," + residentID(1) + ",2026-11-19,2026-11-19T20:00:00+08:00,positive\n" +
		"t2," + residentID(3) + ",2026-11-19,,negative\n" + // nobody registered: pending
		"t3," + residentID(1) + ",2026-11-32,,negative\n" // bad date: rejected
	sum := mustImport(t, db, healthcode.KindTests, file, importNow)
	if sum.Accepted != 2 || sum.Pending != 1 || sum.Rejected != 1 || sum.Duplicate != 0 || sum.Corrected != 0 {
		t.Errorf("summary = %+v, want 2 accepted (1 pending), 1 rejected", sum)
	}
	if len(sum.Errors) != 1 || sum.Errors[0].Line != 4 || sum.Errors[0].ID != "t3" || sum.Errors[0].Field != "sampled_at" {
		t.Errorf("errors = %+v, want line 4, t3, sampled_at", sum.Errors)
	}
	if got := dueAt(t, db, alice); got != importNow.UnixMicro() {
		t.Errorf("alice's status due at %d, want the import time %d", got, importNow.UnixMicro())
	}
	if got := dueAt(t, db, bob); got != 0 {
		t.Errorf("bob's status was marked due (%d): the import names nobody of his", got)
	}
	f, err := db.Facts(ctx, alice, db.Box().PersonKey(residentID(1)), importNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tests) != 1 || f.Tests[0].Result != healthcode.Positive || f.Tests[0].ExternalID != "t1" ||
		!f.Tests[0].ReportedAt.Equal(time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC)) || !f.Tests[0].RecordedAt.Equal(importNow) {
		t.Errorf("alice's tests = %+v", f.Tests)
	}
}

func TestImportSameFileAgainChangesNothing(t *testing.T) {
	db := storetest.MustOpenDB(t)
	alice := registered(t, db, "13800000001", residentID(1))
	file := testsHeader + "t1," + residentID(1) + ",2026-11-19,,positive\n" + "t2," + residentID(3) + ",2026-11-19,,negative\n"
	mustImport(t, db, healthcode.KindTests, file, importNow)
	firstMark := dueAt(t, db, alice)
	sum := mustImport(t, db, healthcode.KindTests, file, importNow.Add(time.Hour))
	if sum.Duplicate != 2 || sum.Accepted != 0 || sum.Corrected != 0 || sum.Rejected != 0 || sum.Pending != 0 {
		t.Errorf("summary = %+v, want 2 duplicates and nothing else", sum)
	}
	if n := countRows(t, db, "tests"); n != 2 {
		t.Errorf("%d tests stored, want 2", n)
	}
	if got := dueAt(t, db, alice); got != firstMark {
		t.Errorf("a file of duplicates marked a status due again: due at %d, was %d", got, firstMark)
	}
}

func TestImportCorrectsTestsByReportTime(t *testing.T) {
	db := storetest.MustOpenDB(t)
	alice := registered(t, db, "13800000001", residentID(1))
	mustImport(t, db, healthcode.KindTests, testsHeader+"t1,"+residentID(1)+",2026-11-19,2026-11-19T10:00:00Z,positive\n", importNow)
	if err := db.SaveStatus(ctx, alice, &healthcode.Status{Colour: healthcode.Red, EvaluatedAt: importNow}); err != nil {
		t.Fatal(err)
	}
	later := importNow.Add(time.Hour)
	sum := mustImport(t, db, healthcode.KindTests, testsHeader+
		"t1,"+residentID(1)+",2026-11-19,2026-11-19T10:00:00Z,negative\n"+ // same report time, other result
		"t1,"+residentID(1)+",2026-11-19,2026-11-20T06:00:00Z,negative\n", // a later report: corrects
		later)
	// The importer refuses the second t1 of one file; send it alone.
	if sum.Rejected != 2 || sum.Errors[0].Reason != "a row with this id and a later or equal reported_at is already stored" ||
		sum.Errors[0].Field != "reported_at" || sum.Errors[0].Line != 2 || sum.Errors[1].Line != 3 {
		t.Fatalf("summary = %+v", sum)
	}
	sum = mustImport(t, db, healthcode.KindTests, testsHeader+"t1,"+residentID(1)+",2026-11-19,2026-11-20T06:00:00Z,negative\n", later)
	want := healthcode.RowNote{Line: 2, ID: "t1", Note: "replaces the result reported at 2026-11-19T10:00:00Z"}
	if sum.Corrected != 1 || sum.Accepted != 0 || len(sum.Corrections) != 1 || sum.Corrections[0] != want {
		t.Fatalf("summary = %+v, want one correction %+v", sum, want)
	}
	f, err := db.Facts(ctx, alice, db.Box().PersonKey(residentID(1)), later)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tests) != 1 || f.Tests[0].Result != healthcode.Negative || !f.Tests[0].RecordedAt.Equal(later) {
		t.Errorf("tests = %+v, want the one corrected, negative", f.Tests)
	}
	if got := dueAt(t, db, alice); got != later.UnixMicro() {
		t.Errorf("status not marked due by the correction")
	}
}

func TestImportCorrectionMovingARowMarksBothPeople(t *testing.T) {
	db := storetest.MustOpenDB(t)
	alice := registered(t, db, "13800000001", residentID(1))
	bob := registered(t, db, "13800000002", residentID(2))
	header := "id,id_number,kind,onset\n"
	mustImport(t, db, healthcode.KindCases, header+"c1,"+residentID(1)+",confirmed,2026-11-18\n", importNow)
	for _, id := range []int64{alice, bob} {
		db.SaveStatus(ctx, id, &healthcode.Status{Colour: healthcode.Green, EvaluatedAt: importNow})
	}
	later := importNow.Add(time.Hour)
	sum := mustImport(t, db, healthcode.KindCases, header+"c1,"+residentID(2)+",confirmed,2026-11-18\n", later)
	if sum.Corrected != 1 {
		t.Fatalf("summary = %+v", sum)
	}
	if dueAt(t, db, alice) != later.UnixMicro() || dueAt(t, db, bob) != later.UnixMicro() {
		t.Errorf("due: alice %d, bob %d; want both %d", dueAt(t, db, alice), dueAt(t, db, bob), later.UnixMicro())
	}
}

// TestImportEveryKind imports a row of each kind, then a changed row with
// the same id, which replaces it.
func TestImportEveryKind(t *testing.T) {
	id := residentID(1)
	tests := []struct {
		kind, header, first, changed string
		check                        func(t *testing.T, f *healthcode.Facts)
	}{
		{healthcode.KindTests, "id,id_number,sampled_at,reported_at,result,method,pooled,lab",
			"x," + id + ",2026-11-19,2026-11-19,positive,antigen,true,L1", "x," + id + ",2026-11-19,2026-11-20,negative,pcr,false,L1",
			func(t *testing.T, f *healthcode.Facts) {
				if len(f.Tests) != 1 || f.Tests[0].Result != healthcode.Negative || f.Tests[0].Method != "pcr" || f.Tests[0].Pooled {
					t.Errorf("tests = %+v", f.Tests)
				}
			}},
		{healthcode.KindVaccinations, "id,id_number,product,dose,date",
			"x," + id + ",CoronaVac,1,2021-05-01", "x," + id + ",CoronaVac,2,2021-05-01",
			func(t *testing.T, f *healthcode.Facts) {
				if len(f.Vaccinations) != 1 || f.Vaccinations[0].Dose != 2 || f.Vaccinations[0].Product != "CoronaVac" {
					t.Errorf("vaccinations = %+v", f.Vaccinations)
				}
			}},
		{healthcode.KindCases, "id,id_number,kind,onset,status",
			"x," + id + ",confirmed,2026-11-18,active", "x," + id + ",confirmed,2026-11-18,recovered",
			func(t *testing.T, f *healthcode.Facts) {
				if len(f.Cases) != 1 || f.Cases[0].Status != healthcode.CaseRecovered || !f.Cases[0].ClosedAt.Equal(importNow.Add(time.Hour)) {
					t.Errorf("cases = %+v, want recovered, closed at the correction", f.Cases)
				}
			}},
		{healthcode.KindContacts, "id,id_number,degree,case_id,last_exposure",
			"x," + id + ",close,c9,2026-11-18", "x," + id + ",secondary,c9,2026-11-18",
			func(t *testing.T, f *healthcode.Facts) {
				if len(f.Contacts) != 1 || f.Contacts[0].Kind != healthcode.ContactSecondary || f.Contacts[0].CaseID != "c9" {
					t.Errorf("contacts = %+v", f.Contacts)
				}
			}},
		{healthcode.KindQuarantines, "id,id_number,kind,start,end",
			"x," + id + ",centralised,2026-11-18,", "x," + id + ",monitoring,2026-11-18,2026-11-25",
			func(t *testing.T, f *healthcode.Facts) {
				if len(f.Quarantines) != 1 || f.Quarantines[0].Kind != healthcode.QuarantineHomeMonitoring || f.Quarantines[0].Until.IsZero() {
					t.Errorf("quarantines = %+v", f.Quarantines)
				}
			}},
		{healthcode.KindTravel, "id,id_number,division,from,to",
			"x," + id + ",420100,2026-11-10,2026-11-11", "x," + id + ",420100,2026-11-10,2026-11-12",
			func(t *testing.T, f *healthcode.Facts) {
				if len(f.Travel) != 1 || f.Travel[0].Division != "420100" || !f.Travel[0].To.Equal(time.Date(2026, 11, 11, 16, 0, 0, 0, time.UTC)) {
					t.Errorf("travel = %+v", f.Travel)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			db := storetest.MustOpenDB(t)
			alice := registered(t, db, "13800000001", id)
			if sum := mustImport(t, db, tt.kind, tt.header+"\n"+tt.first+"\n", importNow); sum.Accepted != 1 || sum.Pending != 0 {
				t.Fatalf("first import: %+v", sum)
			}
			if sum := mustImport(t, db, tt.kind, tt.header+"\n"+tt.first+"\n", importNow.Add(time.Minute)); sum.Duplicate != 1 {
				t.Fatalf("same row again: %+v", sum)
			}
			sum := mustImport(t, db, tt.kind, tt.header+"\n"+tt.changed+"\n", importNow.Add(time.Hour))
			if sum.Corrected != 1 || len(sum.Corrections) != 1 || sum.Corrections[0].ID != "x" {
				t.Fatalf("changed row: %+v", sum)
			}
			f, err := db.Facts(ctx, alice, db.Box().PersonKey(id), importNow.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, f)
		})
	}
}

func TestImportMalformedFileStoresNothing(t *testing.T) {
	db := storetest.MustOpenDB(t)
	alice := registered(t, db, "13800000001", residentID(1))
	var b strings.Builder
	b.WriteString(testsHeader)
	for i := range 500 {
		fmt.Fprintf(&b, "t%d,%s,2026-11-19,,negative\n", i, residentID(1))
	}
	b.WriteString("t500," + residentID(1) + ",2026-11") // cut off mid-record
	_, err := importFile(t, db, healthcode.KindTests, b.String(), importNow)
	if healthcode.ErrorCode(err) != healthcode.EINVALID || !strings.HasPrefix(healthcode.ErrorMessage(err), "line 502: ") {
		t.Fatalf("err = %v, want invalid naming line 502", err)
	}
	if n := countRows(t, db, "tests"); n != 0 {
		t.Errorf("%d rows of a refused file were stored", n)
	}
	if dueAt(t, db, alice) != 0 {
		t.Errorf("a refused file marked a status due")
	}
}

// TestImportLargeFileMixesNewAndStoredRows sends rows in batches larger
// than one insert statement, new and stored ones mixed in each.
func TestImportLargeFileMixesNewAndStoredRows(t *testing.T) {
	db := storetest.MustOpenDB(t)
	file := func(from, to int) string {
		var b strings.Builder
		b.WriteString(testsHeader)
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "t%d,%s,2026-11-19,,negative\n", i, residentID(i))
		}
		return b.String()
	}
	if sum := mustImport(t, db, healthcode.KindTests, file(0, 250), importNow); sum.Accepted != 250 || sum.Pending != 250 {
		t.Fatalf("first: %+v", sum)
	}
	sum := mustImport(t, db, healthcode.KindTests, file(150, 420), importNow.Add(time.Hour))
	if sum.Accepted != 170 || sum.Duplicate != 100 || sum.Pending != 170 || sum.Rejected != 0 {
		t.Fatalf("second: %+v, want 170 accepted (all pending), 100 duplicates", sum)
	}
	if n := countRows(t, db, "tests"); n != 420 {
		t.Errorf("%d rows stored, want 420", n)
	}
}
