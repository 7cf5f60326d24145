package trust

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/healthcode/healthcode"
)

// A Reader gives what Parse gives, list after list, whether a region
// repeats the last list's, changed, or went wrong.
func TestReaderMatchesParse(t *testing.T) {
	var rd Reader
	l := sampleList(t)
	read := func(what string) (*List, error) {
		t.Helper()
		data, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		got, gerr := rd.Parse(data, nil)
		want, werr := Parse(data, nil)
		if healthcode.ErrorMessage(gerr) != healthcode.ErrorMessage(werr) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: Reader %+v (%v), Parse %+v (%v)", what, got, gerr, want, werr)
		}
		return got, gerr
	}
	first, _ := read("first list")
	again, _ := read("the same list again")
	if &again.Regions[0].Keys[0] != &first.Regions[0].Keys[0] {
		t.Errorf("a region repeated was decoded again")
	}
	l.Regions[0].Keys[0].Revoked = true
	changed, _ := read("a key revoked")
	if !changed.Regions[0].Keys[0].Revoked {
		t.Errorf("the revocation was not read: %+v", changed.Regions[0])
	}
	l.Regions = append(l.Regions, l.Regions[1])
	if _, err := read("a region twice"); err == nil {
		t.Errorf("a region listed twice was taken")
	}
	l.Regions = l.Regions[:2]
	l.Regions[1].Mode = "elsewhere"
	if _, err := read("a bad mode"); err == nil {
		t.Errorf("a bad region was taken")
	}
	l.Regions[1].Mode = ModeNational
	read("good again")
}
