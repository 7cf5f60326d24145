package importer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
)

func TestClip(t *testing.T) {
	long := strings.Repeat("a", 100)
	han := strings.Repeat("汉", 30) // 90 bytes, 3 a rune
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"short", "lab", "lab"},
		{"at the bound", long[:maxQuoted], long[:maxQuoted]},
		{"one over", long[:maxQuoted+1], long[:maxQuoted] + "…"},
		{"long", long, long[:maxQuoted] + "…"},
		// 64 bytes end inside the 22nd rune: cut before it.
		{"not inside a rune", han, strings.Repeat("汉", 21) + "…"},
		{"multi-byte, short", strings.Repeat("汉", 21), strings.Repeat("汉", 21)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := clip(tc.in)
			if got != tc.want || !utf8.ValidString(got) {
				t.Errorf("clip(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if id := strings.Repeat("x", maxIDLen); clipID(id) != id {
		t.Errorf("clipID cuts an id of %d bytes, which may be an id", maxIDLen)
	}
	if got := clipID(strings.Repeat("x", maxIDLen+1)); got != strings.Repeat("x", maxIDLen)+"…" {
		t.Errorf("clipID of an over-long id = %q", got)
	}
}

// What the importer answers quotes the input it refuses in a few bytes,
// however big that input: a header of one huge column, an NDJSON field
// name or an id of a megabyte, a kind or a format named at length.
func TestRefusalsQuoteLittleOfTheInput(t *testing.T) {
	huge := strings.Repeat("a", 1<<20)
	header := "id,id_number,sampled_at,reported_at,result"
	row := ",11010519491231002X,2026-11-19,2026-11-19,negative\n"
	for _, tc := range []struct {
		name string
		read func() (error, *healthcode.RowError)
	}{
		{"a CSV's unknown column", func() (error, *healthcode.RowError) {
			_, _, err := readAll(t, healthcode.KindTests, healthcode.FormatCSV, header+","+huge+"\n")
			return err, nil
		}},
		{"a roster's unknown column", func() (error, *healthcode.RowError) {
			_, err := NewRosterReader(healthcode.FormatCSV, strings.NewReader("id_number,name,"+huge+"\n"), testNow)
			return err, nil
		}},
		{"an NDJSON row's unknown field", func() (error, *healthcode.RowError) {
			_, rejects, err := readAll(t, healthcode.KindTests, healthcode.FormatNDJSON,
				`{"id":"t1","id_number":"11010519491231002X","sampled_at":"2026-11-19","reported_at":"2026-11-19","result":"negative","`+huge[:60<<10]+`":1}`+"\n")
			if err != nil || len(rejects) != 1 {
				t.Fatalf("rejects %v, err %v", rejects, err)
			}
			return nil, &rejects[0]
		}},
		{"a CSV row's over-long id", func() (error, *healthcode.RowError) {
			_, rejects, err := readAll(t, healthcode.KindTests, healthcode.FormatCSV, header+"\n"+huge+row)
			if err != nil || len(rejects) != 1 {
				t.Fatalf("rejects %v, err %v", rejects, err)
			}
			return nil, &rejects[0]
		}},
		{"an NDJSON row's over-long id, badly typed", func() (error, *healthcode.RowError) {
			_, rejects, err := readAll(t, healthcode.KindTests, healthcode.FormatNDJSON, `{"id":"`+huge[:60<<10]+`","result":[]}`+"\n")
			if err != nil || len(rejects) != 1 {
				t.Fatalf("rejects %v, err %v", rejects, err)
			}
			return nil, &rejects[0]
		}},
		{"a kind", func() (error, *healthcode.RowError) {
			_, err := NewReader(huge, healthcode.FormatCSV, strings.NewReader(""), testKey, testNow)
			return err, nil
		}},
		{"a format", func() (error, *healthcode.RowError) {
			_, err := NewReader(healthcode.KindTests, huge, strings.NewReader(""), testKey, testNow)
			return err, nil
		}},
		{"a roster's format", func() (error, *healthcode.RowError) {
			_, err := NewRosterReader(huge, strings.NewReader(""), testNow)
			return err, nil
		}},
		{"a values kind", func() (error, *healthcode.RowError) {
			_, err := NewValuesReader(huge, nil, testKey, testNow)
			return err, nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err, reject := tc.read()
			var said string
			switch {
			case err != nil:
				said = err.Error()
				for k, v := range healthcode.ErrorFields(err) {
					said += k + v
				}
			case reject != nil:
				said = reject.ID + reject.Field + reject.Reason
			default:
				t.Fatal("neither refused nor rejected")
			}
			if len(said) > 400 || !strings.Contains(said, "aaaa…") {
				t.Errorf("%d bytes said, want the input cut with …: %.200q", len(said), said)
			}
		})
	}
}
