package importer

import (
	"encoding/json"
	"testing"

	"github.com/healthcode/healthcode"
)

func TestJSONValue(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want string
		ok   bool
	}{
		{``, "", true},
		{`"positive"`, "positive", true},
		{`"李四"`, "李四", true},
		{`"a\"b\u00e9"`, `a"bé`, true},
		{`"tab\there"`, "tab\there", true},
		{`2`, "2", true},
		{`-1.5e3`, "-1.5e3", true},
		{`true`, "true", true},
		{`false`, "false", true},
		{`null`, "", true},
		{`{"a":1}`, "", false},
		{`[1]`, "", false},
		{`nul`, "", false},
		{`0x10`, "", false},
		{`1e400`, "1e400", true},     // out of float64's range, kept as written
		{"\"\xff\"", "\ufffd", true}, // invalid UTF-8 reads as a decoder reads it
	} {
		got, ok := JSONValue(json.RawMessage(c.raw))
		if got != c.want || ok != c.ok {
			t.Errorf("JSONValue(%q) = %q, %v; want %q, %v", c.raw, got, ok, c.want, c.ok)
		}
	}
}

// Records given as values are checked as a file's rows: the good one comes
// through with its person key and is not forwarded, the bad one is
// rejected at its line with its field.
func TestValuesReader(t *testing.T) {
	names, _ := Fields(healthcode.KindTests)
	row := func(set map[string]string) []string {
		v := make([]string, len(names))
		for i, n := range names {
			v[i] = set[n]
		}
		return v
	}
	rows := [][]string{
		row(map[string]string{"id": "CN-440100/t1", "id_number": goodID, "sampled_at": "2026-11-19T09:30:00+08:00", "result": "positive"}),
		row(map[string]string{"id": "CN-440100/t2", "id_number": goodID, "sampled_at": "2026-11-19", "result": "maybe"}),
		row(map[string]string{"id": "CN-440100/t1", "id_number": goodID, "sampled_at": "2026-11-19", "result": "negative"}),
	}
	rd, err := NewValuesReader(healthcode.KindTests, rows, testKey, testNow)
	if err != nil {
		t.Fatal(err)
	}
	rd.SetRegion("CN-330100")
	var got []healthcode.ImportRow
	for {
		r, err := rd.Next()
		if err != nil {
			break
		}
		got = append(got, *r)
	}
	if len(got) != 3 {
		t.Fatalf("%d rows, want 3", len(got))
	}
	if got[0].Reject != nil || got[0].Forward != nil || string(got[0].Test.PersonKey) != string(testKey(goodID)) ||
		got[0].Test.Result != healthcode.Positive || got[0].Line != 1 {
		t.Errorf("row 1 = %+v", got[0])
	}
	if r := got[1].Reject; r == nil || r.Line != 2 || r.Field != "result" {
		t.Errorf("row 2 reject = %+v, want line 2 field result", r)
	}
	if r := got[2].Reject; r == nil || r.Field != "id" {
		t.Errorf("row 3 (id given twice) reject = %+v", r)
	}

	if _, err := NewValuesReader("purchases", nil, testKey, testNow); healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		t.Errorf("unknown kind: %v", err)
	}
	short, _ := NewValuesReader(healthcode.KindTests, [][]string{{"x"}}, testKey, testNow)
	if _, err := short.Next(); err == nil {
		t.Error("a record with too few values was read")
	}
}
