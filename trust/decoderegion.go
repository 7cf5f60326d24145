package trust

import (
	"time"

	"github.com/healthcode/healthcode/jsonscan"
)

// decodeRegion reads a region's JSON text into wr as json.Unmarshal would,
// for the form a hub writes: the fields of wireRegion and WireKey each at
// most once under their own lower-case names, strings without escapes,
// booleans for revoked. It answers false for anything else, which the
// caller leaves to encoding/json (and its errors): a list read for the
// first time is 400 regions, and encoding/json's reflection was two thirds
// of reading it. FuzzDecodeRegion holds it to encoding/json.
func decodeRegion(b []byte, wr *wireRegion) bool {
	d := regionDecoder{jsonscan.Scanner{B: b}}
	ok := d.Object(regionFields, func(name string) {
		switch name {
		case "id":
			wr.ID = d.Str()
		case "name":
			wr.Name = d.Str()
		case "mode":
			wr.Mode = d.Str()
		case "endpoint":
			wr.Endpoint = d.Str()
		case "keys":
			wr.Keys = d.keys()
		}
	})
	return ok && d.End()
}

// The fields decodeRegion reads, of a region and of a key.
var (
	regionFields = []string{"id", "name", "mode", "endpoint", "keys"}
	keyFields    = []string{"kid", "alg", "public_key", "not_before", "not_after", "revoked"}
)

// regionDecoder walks a region's text; Bad is set at the first thing
// decodeRegion leaves to encoding/json.
type regionDecoder struct {
	jsonscan.Scanner
}

// keys reads an array of keys; never null (left to encoding/json).
func (d *regionDecoder) keys() []WireKey {
	keys := make([]WireKey, 0, 4) // a region holds a few
	if !d.Array(func() bool {
		var k WireKey
		ok := d.key(&k)
		keys = append(keys, k)
		return ok
	}) {
		d.Bad = true
		return nil
	}
	return keys
}

func (d *regionDecoder) key(k *WireKey) bool {
	return d.Object(keyFields, func(name string) {
		switch name {
		case "kid":
			k.KID = d.Str()
		case "alg":
			k.Alg = d.Str()
		case "public_key":
			k.PublicKey = d.Str()
		case "not_before":
			k.NotBefore = d.time()
		case "not_after":
			k.NotAfter = d.time()
		case "revoked":
			k.Revoked = d.Bool()
		}
	})
}

// time reads a time as time.Time's UnmarshalJSON does. The form a hub
// writes for a whole second in UTC, "2026-11-27T08:00:00Z", is read here;
// any other goes to UnmarshalJSON.
func (d *regionDecoder) time() time.Time {
	raw := d.Quoted()
	if d.Bad {
		return time.Time{}
	}
	if t, ok := utcSecond(raw); ok {
		return t
	}
	var t time.Time
	if t.UnmarshalJSON(raw) != nil {
		d.Bad = true
	}
	return t
}

// utcSecond reads "YYYY-MM-DDTHH:MM:SSZ", quotes included; false for
// anything else, a date that does not exist included.
func utcSecond(raw []byte) (time.Time, bool) {
	if len(raw) != 22 || raw[5] != '-' || raw[8] != '-' || raw[11] != 'T' || raw[14] != ':' || raw[17] != ':' || raw[20] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) int {
		n := 0
		for _, c := range raw[from:to] {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(1, 5), num(6, 8), num(9, 11)
	hour, minute, second := num(12, 14), num(15, 17), num(18, 20)
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, 0, time.UTC)
	if t.Day() != day { // 31 April, 29 February of a common year
		return time.Time{}, false
	}
	return t, true
}
