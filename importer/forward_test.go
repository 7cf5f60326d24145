package importer

import (
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
)

// readRegion reads every row of a file as a node of region reads it: the
// rows, copied, and the rejects.
func readRegion(t *testing.T, region, kind, format, data string) (rows []healthcode.ImportRow, rejects []healthcode.RowError) {
	t.Helper()
	rd, err := NewReader(kind, format, strings.NewReader(data), testKey, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if region != "" {
		rd.SetRegion(region)
	}
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rows, rejects
		} else if err != nil {
			t.Fatal(err)
		}
		if row.Reject != nil {
			if row.Forward != nil {
				t.Errorf("line %d: rejected and forwarded", row.Line)
			}
			rejects = append(rejects, *row.Reject)
		} else {
			rows = append(rows, *row)
		}
	}
}

// TestHomeRegion: a row naming this region is a record like any other; one
// naming another comes back to be forwarded, as it travels: the fields
// given, the document number normalised and its type spelt out, the id
// prefixed with this region, home_region left out.
func TestHomeRegion(t *testing.T) {
	for _, format := range []string{healthcode.FormatCSV, healthcode.FormatNDJSON} {
		t.Run(format, func(t *testing.T) {
			data := "id,id_number,name,sampled_at,result,lab,home_region\n" +
				"t1,11010519491231002x,张三,2026-11-19,positive,Lab A,CN-330100\n" +
				"t2,11010519491231002x,张三,2026-11-19,positive,,CN-440100\n" +
				"t3,11010519491231002X,,2026-11-18,negative,,CN\n" +
				"t4,11010519491231002X,,2026-11-18,negative,,\n"
			if format == healthcode.FormatNDJSON {
				data = `{"id":"t1","id_number":"11010519491231002x","name":"张三","sampled_at":"2026-11-19","result":"positive","lab":"Lab A","home_region":"CN-330100"}` + "\n" +
					`{"id":"t2","id_number":"11010519491231002x","name":"张三","sampled_at":"2026-11-19","result":"positive","home_region":"CN-440100"}` + "\n" +
					`{"id":"t3","id_number":"11010519491231002X","sampled_at":"2026-11-18","result":"negative","home_region":"CN"}` + "\n" +
					`{"id":"t4","id_number":"11010519491231002X","sampled_at":"2026-11-18","result":"negative","home_region":null}` + "\n"
			}
			rows, rejects := readRegion(t, "CN-330100", healthcode.KindTests, format, data)
			if len(rejects) != 0 || len(rows) != 4 {
				t.Fatalf("rows %d, rejects %+v", len(rows), rejects)
			}
			if rows[0].Forward != nil || rows[3].Forward != nil || rows[0].Test.Lab != "Lab A" {
				t.Errorf("rows of this region: %+v, %+v", rows[0], rows[3])
			}
			f := rows[1].Forward
			if f == nil || f.To != "CN-440100" || f.Kind != healthcode.KindTests || f.ID != "CN-330100/t2" {
				t.Fatalf("forward = %+v", f)
			}
			var got map[string]string
			if err := json.Unmarshal(f.Row, &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"record_kind": "tests", "id": "CN-330100/t2", "id_type": "resident_id", "id_number": goodID,
				"name": "张三", "sampled_at": "2026-11-19", "result": "positive"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("row = %v\nwant %v", got, want)
			}
			if f := rows[2].Forward; f == nil || f.To != "CN" || f.ID != "CN-330100/t3" {
				t.Errorf("to the national region: %+v", f)
			}
		})
	}
}

// TestHomeRegionRejects: a bad home_region, one the node cannot route (its
// own region unknown) and an id too long to travel prefixed are row
// errors naming the field and the line; the rows around them come through.
func TestHomeRegionRejects(t *testing.T) {
	long := strings.Repeat("x", 120)
	data := "id,id_number,degree,last_exposure,home_region\n" +
		"c1," + goodID + ",close,2026-11-19,440100\n" +
		"c2," + goodID + ",close,2026-11-19,CN-44010\n" +
		"c3," + goodID + ",close,2026-11-19,cn-440100\n" +
		long + "," + goodID + ",close,2026-11-19,CN-440100\n" +
		long + "-here," + goodID + ",close,2026-11-19,CN-330100\n" +
		"c6," + goodID + ",close,2026-11-19,CN-440100\n" +
		"c6," + goodID + ",close,2026-11-19,CN-440100\n"
	rows, rejects := readRegion(t, "CN-330100", healthcode.KindContacts, healthcode.FormatCSV, data)
	const bad = "must be CN or CN- and a six-digit division code, e.g. CN-440100"
	want := []healthcode.RowError{
		{Line: 2, ID: "c1", Field: "home_region", Reason: bad},
		{Line: 3, ID: "c2", Field: "home_region", Reason: bad},
		{Line: 4, ID: "c3", Field: "home_region", Reason: bad},
		{Line: 5, ID: long, Field: "id", Reason: "must be at most 118 characters in a row for another region: it travels as CN-330100/ and the id"},
		{Line: 8, ID: "c6", Field: "id", Reason: "duplicate id: already given on line 7"},
	}
	if !slices.Equal(rejects, want) {
		t.Errorf("rejects = %+v\nwant %+v", rejects, want)
	}
	if len(rows) != 2 || rows[0].Forward != nil || rows[1].Forward == nil || rows[1].Forward.ID != "CN-330100/c6" {
		t.Errorf("rows = %+v", rows)
	}

	// A reader not told its region cannot tell whose a row is.
	_, rejects = readRegion(t, "", healthcode.KindContacts, healthcode.FormatNDJSON,
		`{"id":"c1","id_number":"`+goodID+`","degree":"close","last_exposure":"2026-11-19","home_region":"CN-440100"}`+"\n")
	if len(rejects) != 1 || rejects[0].Line != 1 || rejects[0].Field != "home_region" ||
		!strings.Contains(rejects[0].Reason, "region is not set") {
		t.Errorf("rejects without a region = %+v", rejects)
	}
}

// TestEveryKindTakesHomeRegion: home_region is a column of every kind but
// not one of its record fields.
func TestEveryKindTakesHomeRegion(t *testing.T) {
	for _, k := range healthcode.RecordKinds {
		if names, _ := Fields(k); slices.Contains(names, HomeRegion) {
			t.Errorf("%s: Fields lists %s", k, HomeRegion)
		}
		if spec := kinds[k]; spec.index(HomeRegion) != spec.home() {
			t.Errorf("%s: %s is not the last field", k, HomeRegion)
		}
	}
}
