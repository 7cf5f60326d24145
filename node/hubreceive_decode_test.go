package node

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"
)

func TestSplitRecord(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool // the scanner takes it; else encoding/json reads it
	}{
		{"the sender's form", `{"record_kind":"test","id":"CN-440100/lab-1","id_type":"passport","id_number":"E00000001","sampled_at":"2026-11-20T08:00:00+08:00","result":"positive","pooled":false,"dose":2,"n":null}`, true},
		{"empty", `{}`, true},
		{"spaces", " {\n\t\"a\" : \"b\" ,\r\"c\":-1.5e3 } ", true},
		{"an escaped value", `{"a":"x\"y\\","b":"\u00e9"}`, true},
		{"a quote after an even run of backslashes ends the string", `{"a":"x\\\\","b":1}`, true},
		{"a repeated key: the last wins", `{"a":"1","a":"2"}`, true},
		{"non-ASCII value", `{"lab":"广州市第一人民医院"}`, true},
		{"an escaped key", `{"\u0061":"b"}`, false},
		{"a non-ASCII key", `{"é":"b"}`, true},
		{"a key in bad UTF-8", "{\"\xff\":\"b\"}", false},
		{"a nested object", `{"a":{"b":1}}`, false},
		{"an array", `{"a":[1]}`, false},
		{"not an object", `[1]`, false},
		{"null", `null`, false},
		{"trailing bytes", `{"a":1} x`, false},
		{"a trailing comma", `{"a":1,}`, false},
		{"a bad number", `{"a":01}`, false},
		{"an unterminated string", `{"a":"b}`, false},
		{"a control character", "{\"a\":\"b\x01\"}", false},
		{"a bad escape", `{"a":"\x"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := splitRecord([]byte(tt.in))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			var want map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.in), &want); err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			if !recordsEqual(got, want) {
				t.Errorf("got %q, encoding/json %q", got, want)
			}
		})
	}
}

func TestDecodeBatchPage(t *testing.T) {
	page := `{"batches":[{"seq":1,"id":"7768858931231462a7191ab27064d06c","from":"CN-440100","signed":"eyJh.eyJi.c2ln"},` +
		`{"signed":"a.b.c","from":"CN-330100","id":"x","seq":2}],"next":2}` + "\n"
	got, ok := decodeBatchPage([]byte(page))
	if !ok {
		t.Fatal("the hub's form was not taken")
	}
	want := []listedInboxBatch{
		{Seq: 1, ID: "7768858931231462a7191ab27064d06c", From: "CN-440100", Signed: "eyJh.eyJi.c2ln"},
		{Seq: 2, ID: "x", From: "CN-330100", Signed: "a.b.c"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got, ok := decodeBatchPage([]byte(`{"batches":[],"next":0}`)); !ok || got == nil || len(got) != 0 {
		t.Errorf("an empty page: %v, %v; want an empty list", got, ok)
	}
	// Taken, as encoding/json reads them.
	for _, in := range []string{
		`{"batches":[{"seq":1,"id":"a","from":"b"}],"next":1}`, // a member missing: its zero value
		`{"next":1,"batches":[]}`,                              // another order
		` { "batches" : [ { "seq" : -0 , "id" : "é" } ] , "next" : 9 } `,
	} {
		got, ok := decodeBatchPage([]byte(in))
		if !ok {
			t.Errorf("%s: not taken", in)
			continue
		}
		assertPageAsJSON(t, []byte(in), got)
	}
	// Each of these encoding/json reads (or refuses) by its own rules.
	for _, in := range []string{
		`{"batches":[{"seq":1,"id":"a","from":"b","signed":"c","more":1}],"next":1}`, // another member
		`{"batches":[{"Seq":1,"id":"a","from":"b","signed":"c"}],"next":1}`,          // a key in other case
		`{"batches":[{"seq":1,"seq":2,"id":"a","from":"b","signed":"c"}],"next":1}`,  // a repeated member
		`{"batches":[{"seq":1.5,"id":"a","from":"b","signed":"c"}],"next":1}`,        // not an integer
		`{"batches":[{"seq":1,"id":"a\u0062","from":"b","signed":"c"}],"next":1}`,    // an escape
		`{"next":1}`,                     // no batches
		`{"batches":null,"next":0}`,      // null
		`{"batches":[],"next":0} {}`,     // a second value
		`{"batches":[{"seq":1}]`,         // cut short
		`{"error":"nope","code":"auth"}`, // not a page
	} {
		if got, ok := decodeBatchPage([]byte(in)); ok {
			t.Errorf("%s: taken as %+v", in, got)
		}
	}
}

func FuzzSplitRecord(f *testing.F) {
	for _, s := range []string{
		`{"record_kind":"test","id":"CN-440100/lab-1","result":"positive","pooled":false,"dose":2,"n":null}`,
		`{"a":"x\"y\\","b":"\u00e9"}`, `{}`, ` {"a" : -0.5E+3 } `, `{"a":"1","a":"2"}`, `{"a":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := splitRecord(b)
		if !ok {
			return
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("taken, but encoding/json refuses it: %v", err)
		}
		if !recordsEqual(got, want) {
			t.Fatalf("got %q, encoding/json %q", got, want)
		}
	})
}

// FuzzDecodeBatchPage holds decodeBatchPage to encoding/json.
func FuzzDecodeBatchPage(f *testing.F) {
	for _, s := range []string{
		`{"batches":[{"seq":1,"id":"a","from":"CN-440100","signed":"x.y.z"}],"next":1}`,
		`{"batches":[],"next":0}`, `{"batches":[{"signed":"a","from":"b","id":"c","seq":-0}],"next":9}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, ok := decodeBatchPage(b); ok {
			assertPageAsJSON(t, b, got)
		}
	})
}

// assertPageAsJSON fails unless got is what encoding/json reads from b.
func assertPageAsJSON(t *testing.T, b []byte, got []listedInboxBatch) {
	t.Helper()
	var want struct {
		Batches []listedInboxBatch `json:"batches"`
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("taken, but encoding/json refuses it: %v", err)
	}
	if !reflect.DeepEqual(got, want.Batches) {
		t.Fatalf("got %+v, encoding/json %+v", got, want.Batches)
	}
}

func recordsEqual(a, b map[string]json.RawMessage) bool {
	return slices.Equal(slices.Sorted(maps.Keys(a)), slices.Sorted(maps.Keys(b))) &&
		maps.EqualFunc(a, b, func(x, y json.RawMessage) bool { return bytes.Equal(x, y) })
}
