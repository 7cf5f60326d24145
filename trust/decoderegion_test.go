package trust

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// decodeRegion agrees with encoding/json: whatever it takes, json.Unmarshal
// takes too, into the same wireRegion.
func FuzzDecodeRegion(f *testing.F) {
	for _, r := range sampleList(&testing.T{}).Regions {
		text, _ := json.Marshal(r)
		f.Add(text)
	}
	for _, seed := range []string{
		`{}`, `{"keys":[]}`, `{"keys":[{}]}`, ` { "id" : "CN-330100" , "keys" : [ { "revoked" : true } ] } `,
		`{"id":"a","id":"b"}`, `{"ID":"CN-330100"}`, `{"id":"x\"y"}`, `{"id":"\u00e9"}`, `{"name":"杭州市"}`,
		`{"keys":null}`, `{"keys":[{"revoked":truex}]}`, `{"keys":[{"revoked":1}]}`, `{"keys":[{"not_before":"2026-01-01T00:00:00Z"}]}`,
		`{"keys":[{"not_after":"2026-13-01T00:00:00Z"}]}`, `{"keys":[{"not_after":"2026-01-01T00:00:00+08:00"}]}`,
		`{"extra":1}`, `{"id":"a",}`, `{"id":"a"} x`, `{"keys":[{},]}`, "{\"id\":\"\xff\"}", `{"keys":[{"kid":"a","kid":"b"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got wireRegion
		if !decodeRegion(data, &got) {
			return // left to encoding/json
		}
		var want wireRegion
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("%q: decodeRegion takes it, encoding/json refuses: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %+v\nwant %+v", data, got, want)
		}
	})
}

// The hub's own form is read by decodeRegion, not left to encoding/json:
// otherwise the first read of a list is three times as slow.
func TestDecodeRegionTakesTheHubsForm(t *testing.T) {
	for _, r := range sampleList(t).Regions {
		text, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var wr wireRegion
		if !decodeRegion(text, &wr) {
			t.Errorf("decodeRegion leaves %s to encoding/json", text)
		}
	}
}

func TestUTCSecond(t *testing.T) {
	for _, text := range []string{
		`"2026-11-27T08:00:00Z"`, `"2024-02-29T23:59:59Z"`, `"2026-02-29T00:00:00Z"`, `"2026-04-31T00:00:00Z"`,
		`"2026-13-01T00:00:00Z"`, `"2026-00-01T00:00:00Z"`, `"2026-01-00T00:00:00Z"`, `"2026-01-01T24:00:00Z"`,
		`"2026-01-01T00:60:00Z"`, `"2026-01-01T00:00:60Z"`, `"0000-01-01T00:00:00Z"`, `"9999-12-31T23:59:59Z"`,
		`"2026-01-01T00:00:00+08:00"`, `"2026-01-01T00:00:00.5Z"`, `"2026-01-01 00:00:00Z"`, `"2026-1-01T00:00:00Z"`,
		`"20x6-01-01T00:00:00Z"`, `"2026-01-01T00:00:00z"`,
	} {
		var want time.Time
		werr := want.UnmarshalJSON([]byte(text))
		got, ok := utcSecond([]byte(text))
		switch {
		case ok && werr != nil:
			t.Errorf("%s: read as %v, UnmarshalJSON refuses it: %v", text, got, werr)
		case ok && !reflect.DeepEqual(got, want):
			t.Errorf("%s: read as %#v, UnmarshalJSON reads %#v", text, got, want)
		case !ok && text == `"2026-11-27T08:00:00Z"`:
			t.Errorf("%s: the hub's form is left to UnmarshalJSON", text)
		}
	}
}
