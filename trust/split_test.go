package trust

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// splitList agrees with encoding/json: it takes what json.Unmarshal takes,
// with the same fields and the same regions' texts, and refuses what it
// refuses, except for a region whose own text is bad, which the region's
// decoding refuses after.
func FuzzSplitList(f *testing.F) {
	list, _ := json.Marshal(sampleList(&testing.T{}))
	for _, seed := range []string{
		string(list),
		` { "version" : 1 , "Regions" : [ {"id":"CN-330100"} , {"id":"x\"}]"} ] , "extra": {"a":[1,2,{"b":"}"}]}, "issuer":"CN" } `,
		`{"regions":null}`, `{"regions":[]}`, `{}`, `{"regions":[1,"a",null]}`, `{"regions":[}`, `{"regions":[{]}`,
		`{"version":"1"}`, `{"regions":[{}],}`, `{"regions":[{}] x}`, `{"issued_at":"2026-01-01T00:00:00Z"}`,
		`{"regions":[{"a":"\\"}]}`, `{"regions":[{}]}{}`, `{"extra":[}`, `{"a":1,"a":2,"regions":[{}],"regions":[[]]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want wireList
		werr := json.Unmarshal(data, &want)
		got, gerr := splitList(data)
		switch {
		case werr == nil && gerr != nil:
			t.Fatalf("%q: encoding/json takes it, splitList refuses: %v", data, gerr)
		case werr == nil:
			if !reflect.DeepEqual(*got, want) {
				t.Fatalf("%q:\n got %+v\nwant %+v", data, *got, want)
			}
		case gerr == nil:
			for _, r := range got.Regions {
				if !json.Valid(r) || bytes.TrimSpace(r)[0] != '{' {
					return // refused when the region is decoded
				}
			}
			t.Fatalf("%q: encoding/json refuses it (%v), splitList takes it", data, werr)
		}
	})
}
