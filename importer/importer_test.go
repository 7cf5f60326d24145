package importer

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

var testNow = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

const goodID = "11010519491231002X"

func testKey(n string) []byte { return []byte("key:" + n) }

// readAll reads every row of a file and returns the valid ones (copied),
// the rejected ones and the file error.
func readAll(t *testing.T, kind, format, data string) (rows []healthcode.ImportRow, rejects []healthcode.RowError, err error) {
	t.Helper()
	rd, err := NewReader(kind, format, strings.NewReader(data), testKey, testNow)
	if err != nil {
		return nil, nil, err
	}
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rows, rejects, nil
		} else if err != nil {
			return rows, rejects, err
		}
		if row.Reject != nil {
			rejects = append(rejects, *row.Reject)
		} else {
			rows = append(rows, *row)
		}
	}
}

func TestReadTestsCSV(t *testing.T) {
	data := "id,id_number,sampled_at,reported_at,result,method,pooled,lab\n" +
		"t1,11010519491231002x,2026-11-19T09:30:00+08:00,2026-11-19T20:00:00+08:00,positive,antigen,true,Lab A\n" +
		"t2, 11010519491231002X ,2026-11-18,,negative,,,\n"
	rows, rejects, err := readAll(t, healthcode.KindTests, healthcode.FormatCSV, data)
	if err != nil || len(rejects) != 0 || len(rows) != 2 {
		t.Fatalf("rows %d, rejects %v, err %v", len(rows), rejects, err)
	}
	got := rows[0].Test
	want := healthcode.Test{PersonKey: testKey(goodID), ExternalID: "t1",
		SampledAt:  time.Date(2026, 11, 19, 1, 30, 0, 0, time.UTC),
		ReportedAt: time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC),
		Result:     healthcode.Positive, Method: healthcode.MethodAntigen, Pooled: true, Lab: "Lab A"}
	if string(got.PersonKey) != string(want.PersonKey) || got.ExternalID != want.ExternalID ||
		!got.SampledAt.Equal(want.SampledAt) || !got.ReportedAt.Equal(want.ReportedAt) ||
		got.Result != want.Result || got.Method != want.Method || got.Pooled != want.Pooled || got.Lab != want.Lab {
		t.Errorf("test = %+v\nwant %+v", got, want)
	}
	if rows[0].Line != 2 || rows[1].Line != 3 {
		t.Errorf("lines %d, %d; want 2, 3", rows[0].Line, rows[1].Line)
	}
	// Defaults: a date is midnight in China, reported_at is sampled_at,
	// the method pcr, not pooled.
	d := rows[1].Test
	if !d.SampledAt.Equal(time.Date(2026, 11, 17, 16, 0, 0, 0, time.UTC)) || !d.ReportedAt.Equal(d.SampledAt) ||
		d.Method != healthcode.MethodPCR || d.Pooled || d.Result != healthcode.Negative {
		t.Errorf("defaults: %+v", d)
	}
}

// TestRowRules checks each field rule: the row is rejected with its line,
// id, field and reason, and the good row after it still comes through.
func TestRowRules(t *testing.T) {
	header := map[string]string{
		healthcode.KindTests:        "id,id_type,id_number,name,sampled_at,reported_at,result,method,pooled,lab",
		healthcode.KindVaccinations: "id,id_type,id_number,name,product,dose,date",
		healthcode.KindCases:        "id,id_type,id_number,name,kind,onset,status",
		healthcode.KindContacts:     "id,id_type,id_number,name,degree,case_id,last_exposure",
		healthcode.KindQuarantines:  "id,id_type,id_number,name,kind,start,end",
		healthcode.KindTravel:       "id,id_type,id_number,name,division,from,to",
	}
	good := map[string]string{
		healthcode.KindTests:        "g,," + goodID + ",张三,2026-11-19,2026-11-19,negative,pcr,false,L",
		healthcode.KindVaccinations: "g,," + goodID + ",,Sinovac,1,2021-05-01",
		healthcode.KindCases:        "g,," + goodID + ",,confirmed,2026-11-18,active",
		healthcode.KindContacts:     "g,," + goodID + ",,close,c1,2026-11-18",
		healthcode.KindQuarantines:  "g,," + goodID + ",,monitoring,2026-11-18,2026-11-25",
		healthcode.KindTravel:       "g,," + goodID + ",,310100,2026-11-10,2026-11-12",
	}
	long := strings.Repeat("x", 201)
	tests := []struct {
		kind, row, field, reason string
	}{
		{healthcode.KindTests, ",," + goodID + ",,2026-11-19,,negative,,,", "id", "is required"},
		{healthcode.KindTests, strings.Repeat("i", 129) + ",," + goodID + ",,2026-11-19,,negative,,,", "id", "must be at most 128 characters"},
		{healthcode.KindTests, "r,,,,2026-11-19,,negative,,,", "id_number", "is required"},
		{healthcode.KindTests, "r,,110105194912310021,,2026-11-19,,negative,,,", "id_number", "check character does not match"},
		{healthcode.KindTests, "r,passport,X1,,2026-11-19,,negative,,,", "id_number", "must be 5 to 17 letters or digits"},
		{healthcode.KindTests, "r,driving_licence," + goodID + ",,2026-11-19,,negative,,,", "id_type", "must be resident_id, passport, hk_macao_permit, taiwan_permit or foreign_permanent_resident"},
		{healthcode.KindTests, "r,," + goodID + "," + long + ",2026-11-19,,negative,,,", "name", "must be at most 200 characters"},
		{healthcode.KindTests, "r,," + goodID + ",,,,negative,,,", "sampled_at", "is required"},
		{healthcode.KindTests, "r,," + goodID + ",,19/11/2026,,negative,,,", "sampled_at", "must be a date YYYY-MM-DD or a time like 2026-11-20T08:30:00+08:00"},
		{healthcode.KindTests, "r,," + goodID + ",,2026-02-30,,negative,,,", "sampled_at", "must be a date YYYY-MM-DD or a time like 2026-11-20T08:30:00+08:00"},
		{healthcode.KindTests, "r,," + goodID + ",,2026-11-21,,negative,,,", "sampled_at", "is in the future"},
		{healthcode.KindTests, "r,," + goodID + ",,2026-11-19,2026-11-20T17:00:00+08:00,negative,,,", "reported_at", "is in the future"},
		{healthcode.KindTests, "r,," + goodID + ",,2026-11-19,2026-11-18,negative,,,", "reported_at", "is before sampled_at"},
		{healthcode.KindTests, "r,," + goodID + ",,2026-11-19,,,,,", "result", "is required"},
		{healthcode.KindTests, "r,," + goodID + ",,2026-11-19,,maybe,,,", "result", "must be negative or positive"},
		{healthcode.KindTests, "r,," + goodID + ",,2026-11-19,,negative,saliva,,", "method", "must be pcr or antigen"},
		{healthcode.KindTests, "r,," + goodID + ",,2026-11-19,,negative,,yes,", "pooled", "must be true or false"},
		{healthcode.KindTests, "r,," + goodID + ",,2026-11-19,,negative,,," + long, "lab", "must be at most 200 characters"},
		{healthcode.KindVaccinations, "r,," + goodID + ",,,1,2021-05-01", "product", "is required"},
		{healthcode.KindVaccinations, "r,," + goodID + ",,Sinovac,0,2021-05-01", "dose", "must be a whole number from 1 to 10"},
		{healthcode.KindVaccinations, "r,," + goodID + ",,Sinovac,two,2021-05-01", "dose", "must be a whole number from 1 to 10"},
		{healthcode.KindVaccinations, "r,," + goodID + ",,Sinovac,1,2027-01-01", "date", "is in the future"},
		{healthcode.KindCases, "r,," + goodID + ",,probable,2026-11-18,", "kind", "must be confirmed, suspected or asymptomatic"},
		{healthcode.KindCases, "r,," + goodID + ",,confirmed,2026-11-18,cured", "status", "must be active, recovered or dismissed"},
		{healthcode.KindCases, "r,," + goodID + ",,confirmed,,", "onset", "is required"},
		{healthcode.KindContacts, "r,," + goodID + ",,tertiary,c1,2026-11-18", "degree", "must be close, secondary or companion"},
		{healthcode.KindContacts, "r,," + goodID + ",,close,c1,tomorrow", "last_exposure", "must be a date YYYY-MM-DD or a time like 2026-11-20T08:30:00+08:00"},
		{healthcode.KindQuarantines, "r,," + goodID + ",,hotel,2026-11-18,", "kind", "must be centralised, home or monitoring"},
		{healthcode.KindQuarantines, "r,," + goodID + ",,home,2026-11-18,2026-11-17", "end", "is before start"},
		{healthcode.KindTravel, "r,," + goodID + ",,31010,2026-11-10,2026-11-12", "division", "must be a six-digit GB/T 2260 division code"},
		{healthcode.KindTravel, "r,," + goodID + ",,990100,2026-11-10,2026-11-12", "division", "must be a six-digit GB/T 2260 division code"},
		{healthcode.KindTravel, "r,," + goodID + ",,310100,2026-11-12,2026-11-10", "to", "is before from"},
		{healthcode.KindTravel, "r,," + goodID + ",,310100,2026-12-12,2026-12-14", "from", "is in the future"},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.field+"/"+tt.reason, func(t *testing.T) {
			data := header[tt.kind] + "\n" + tt.row + "\n" + good[tt.kind] + "\n"
			rows, rejects, err := readAll(t, tt.kind, healthcode.FormatCSV, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || rows[0].ID != "g" {
				t.Errorf("good rows = %d, want the one after the bad row", len(rows))
			}
			if len(rejects) != 1 {
				t.Fatalf("rejects = %v, want one", rejects)
			}
			r := rejects[0]
			// An id too long to be one is named cut (TestClip).
			wantID := clipID(strings.SplitN(tt.row, ",", 2)[0])
			if r.Line != 2 || r.ID != wantID || r.Field != tt.field || r.Reason != tt.reason {
				t.Errorf("reject = %+v, want line 2, id %q, %s: %s", r, wantID, tt.field, tt.reason)
			}
		})
	}
}

func TestKindValues(t *testing.T) {
	data := "id,id_number,kind,start,end\nq1," + goodID + ",monitoring,2026-11-18,\nq2," + goodID + ",centralised,2026-11-18,2026-12-02T12:00:00Z\n"
	rows, rejects, err := readAll(t, healthcode.KindQuarantines, healthcode.FormatCSV, data)
	if err != nil || len(rejects) > 0 || len(rows) != 2 {
		t.Fatalf("rows %d, rejects %v, err %v", len(rows), rejects, err)
	}
	if q := rows[0].Quarantine; q.Kind != healthcode.QuarantineHomeMonitoring || !q.Until.IsZero() {
		t.Errorf("q1 = %+v, want home monitoring, open-ended", q)
	}
	if q := rows[1].Quarantine; q.Kind != healthcode.QuarantineCentralised || !q.Until.Equal(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("q2 = %+v", q)
	}
}

func TestDuplicateID(t *testing.T) {
	data := "id,id_number,sampled_at,result\n" +
		"a," + goodID + ",2026-11-19,negative\n" +
		"b,bad,2026-11-19,negative\n" +
		"a," + goodID + ",2026-11-19,positive\n" +
		"b," + goodID + ",2026-11-19,negative\n" // b's first row was rejected: this one is the fix
	rows, rejects, err := readAll(t, healthcode.KindTests, healthcode.FormatCSV, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].ID != "a" || rows[1].ID != "b" {
		t.Errorf("rows = %v", rows)
	}
	if len(rejects) != 2 || rejects[1] != (healthcode.RowError{Line: 4, ID: "a", Field: "id", Reason: "duplicate id: already given on line 2"}) {
		t.Errorf("rejects = %+v", rejects)
	}
}

func TestReadNDJSON(t *testing.T) {
	data := "\ufeff" + `{"id":"v1","id_number":"` + goodID + `","product":"Sinovac","dose":2,"date":"2021-06-01"}` + "\r\n" +
		"\n" +
		`{"id":"v2","id_number":"` + goodID + `","product":"Sinovac","dose":"3","date":"2021-12-01","colour":"red"}` + "\n" +
		`{"id":"v3","id_number":"` + goodID + `","product":"Sinovac","dose":[1],"date":"2021-12-01"}` + "\n" +
		`{"id":"v4","id_type":null,"id_number":"` + goodID + `","product":"Sinovac","dose":3,"date":"2021-12-01"}`
	rows, rejects, err := readAll(t, healthcode.KindVaccinations, healthcode.FormatNDJSON, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Vaccination.Dose != 2 || rows[1].ID != "v4" || rows[1].Line != 5 {
		t.Errorf("rows = %+v", rows)
	}
	want := []healthcode.RowError{
		{Line: 3, ID: "v2", Field: "colour", Reason: "unknown field"},
		{Line: 4, ID: "v3", Field: "dose", Reason: "must be a string, a number or true/false"},
	}
	if len(rejects) != 2 || rejects[0] != want[0] || rejects[1] != want[1] {
		t.Errorf("rejects = %+v\nwant %+v", rejects, want)
	}
}

// TestFileErrors checks that each malformed file is refused whole with one
// error naming the line and the reason.
func TestFileErrors(t *testing.T) {
	row := "t1," + goodID + ",2026-11-19,negative\n"
	obj := `{"id":"t1","id_number":"` + goodID + `","sampled_at":"2026-11-19","result":"negative"}` + "\n"
	tests := []struct {
		name, format, data, want string
	}{
		{"empty", "csv", "", "line 1: the file is empty: the first line must name the columns (id,id_type,id_number,name,sampled_at,reported_at,result,method,pooled,lab)"},
		{"unknown column", "csv", "id,id_number,sampled_at,result,colour\n", `line 1: unknown column "colour": the columns of tests are id, id_type, id_number, name, sampled_at, reported_at, result, method, pooled, lab and home_region`},
		{"missing column", "csv", "id,id_number,sampled_at\n", `line 1: missing column "result": tests need the columns id, id_number, sampled_at, result`},
		{"column twice", "csv", "id,id_number,sampled_at,result,id\n", `line 1: column "id" is given twice`},
		{"not UTF-8 header", "csv", "id,id_number,sampled_at,result\xff\n", "line 1: the header is not UTF-8 text"},
		{"not UTF-8 row", "csv", "id,id_number,sampled_at,result,lab\n" + "t1," + goodID + ",2026-11-19,negative,\xb2\xe2\xca\xd4\n", "line 2: not UTF-8 text: the file must be UTF-8 (convert GB 18030 files first)"},
		{"bare quote", "csv", "id,id_number,sampled_at,result\n" + row + "t\"2," + goodID + ",2026-11-19,negative\n", "line 3: bad quoting at column 2: not CSV"},
		{"missing fields", "csv", "id,id_number,sampled_at,result\n" + row + row + "t3," + goodID + ",2026-11", "line 4: wrong number of fields for the header: the file is truncated or not CSV"},
		{"unterminated quote", "csv", "id,id_number,sampled_at,result\n" + row + "t3," + goodID + ",2026-11-19,\"neg\n", "line 3: a quoted field is not closed properly: the file is truncated or not CSV"},
		{"stray quote", "csv", "id,id_number,sampled_at,result\n" + row + "\"t2\"x," + goodID + ",2026-11-19,negative\n", "line 3: a quoted field is not closed properly: the file is truncated or not CSV"},
		{"binary", "csv", "\x89PNG\r\n\x1a\n\x00\x00", "line 1: the header is not UTF-8 text"},
		{"not an object", "ndjson", obj + "[1,2]\n", "line 2: not a JSON object: each line must be one object"},
		{"not JSON", "ndjson", obj + "id,id_number\n", "line 2: not a JSON object: each line must be one object"},
		{"two objects", "ndjson", obj + "{} {}\n" + obj, "line 2: not a JSON object: each line must be exactly one object"},
		{"broken mid-file", "ndjson", `{"id":` + "\n" + obj, "line 1: not a JSON object: each line must be exactly one object"},
		{"last line cut", "ndjson", obj + obj[:30], "line 2: the last line is cut off: the file is truncated"},
		{"not UTF-8", "ndjson", obj + "{\"id\":\"\xff\"}\n", "line 2: not UTF-8 text: the file must be UTF-8"},
		{"line too long", "ndjson", obj + "{\"lab\":\"" + strings.Repeat("x", 70<<10) + "\"}\n", "line 2: longer than 64 KiB: not NDJSON"},
		{"unknown format", "xlsx", "", `unknown format "xlsx": must be csv or ndjson`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, healthcode.KindTests, tt.format, tt.data)
			if err == nil {
				t.Fatal("file accepted")
			}
			if code := healthcode.ErrorCode(err); code != healthcode.EINVALID {
				t.Errorf("code %s, want invalid", code)
			}
			if msg := healthcode.ErrorMessage(err); msg != tt.want {
				t.Errorf("error %q\nwant  %q", msg, tt.want)
			}
		})
	}
}

func TestUnknownKind(t *testing.T) {
	_, err := NewReader("x-rays", "csv", strings.NewReader(""), testKey, testNow)
	if healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		t.Errorf("err = %v, want not found", err)
	}
}

func TestEveryKindHasFields(t *testing.T) {
	for _, k := range healthcode.RecordKinds {
		if names, _ := Fields(k); len(names) <= firstKindField {
			t.Errorf("%s: fields %v", k, names)
		}
	}
	var e *healthcode.Error
	if !errors.As(fileError(3, "x"), &e) || e.Fields["line"] != "3" {
		t.Errorf("file error does not name its line: %+v", e)
	}
}
