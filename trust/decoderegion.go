package trust

import (
	"bytes"
	"time"
	"unicode/utf8"
)

// decodeRegion reads a region's JSON text into wr as json.Unmarshal would,
// for the form a hub writes: the fields of wireRegion and WireKey each at
// most once under their own lower-case names, strings without escapes,
// booleans for revoked. It answers false for anything else, which the
// caller leaves to encoding/json (and its errors): a list read for the
// first time is 400 regions, and encoding/json's reflection was two thirds
// of reading it. FuzzDecodeRegion holds it to encoding/json.
func decodeRegion(b []byte, wr *wireRegion) bool {
	d := regionDecoder{b: b}
	ok := d.object(regionFields, func(name string) {
		switch name {
		case "id":
			wr.ID = d.str()
		case "name":
			wr.Name = d.str()
		case "mode":
			wr.Mode = d.str()
		case "endpoint":
			wr.Endpoint = d.str()
		case "keys":
			wr.Keys = d.keys()
		}
	})
	return ok && !d.bad && d.space() == len(b)
}

// The fields decodeRegion reads, of a region and of a key.
var (
	regionFields = []string{"id", "name", "mode", "endpoint", "keys"}
	keyFields    = []string{"kid", "alg", "public_key", "not_before", "not_after", "revoked"}
)

// regionDecoder walks a region's text; bad is set at the first thing
// decodeRegion leaves to encoding/json.
type regionDecoder struct {
	b   []byte
	i   int
	bad bool
}

func (d *regionDecoder) space() int {
	for d.i < len(d.b) && (d.b[d.i] == ' ' || d.b[d.i] == '\t' || d.b[d.i] == '\r' || d.b[d.i] == '\n') {
		d.i++
	}
	return d.i
}

// object reads {"key": value, …} whose keys are among names, each once,
// calling read with the key to read its value; false for anything else.
func (d *regionDecoder) object(names []string, read func(name string)) bool {
	if d.space() == len(d.b) || d.b[d.i] != '{' {
		return false
	}
	d.i++
	if d.space() < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return true
	}
	var seen uint64 // by index in names
	for {
		key := d.quoted()
		if d.bad || d.space() == len(d.b) || d.b[d.i] != ':' {
			return false
		}
		d.i++
		d.space()
		i := fieldIndex(names, key[1:len(key)-1])
		if i < 0 || seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		if read(names[i]); d.bad || d.space() == len(d.b) {
			return false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
			d.space()
		case '}':
			d.i++
			return true
		default:
			return false
		}
	}
}

// fieldIndex is key's index in names, -1 when none (compared as bytes:
// no string is made of the key).
func fieldIndex(names []string, key []byte) int {
	for i, name := range names {
		if name == string(key) {
			return i
		}
	}
	return -1
}

// str reads a string without escapes or control characters, in valid
// UTF-8 (encoding/json would replace bad bytes).
func (d *regionDecoder) str() string {
	raw := d.quoted()
	if d.bad {
		return ""
	}
	return string(raw[1 : len(raw)-1])
}

// quoted reads a string as str does and returns it with its quotes.
func (d *regionDecoder) quoted() []byte {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		d.bad = true
		return nil
	}
	n := bytes.IndexByte(d.b[d.i+1:], '"')
	if n < 0 {
		d.bad = true
		return nil
	}
	raw := d.b[d.i : d.i+n+2]
	ascii := true
	for _, c := range raw[1 : n+1] {
		if c < 0x20 || c == '\\' {
			d.bad = true
			return nil
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	if !ascii && !utf8.Valid(raw[1:n+1]) {
		d.bad = true
		return nil
	}
	d.i += n + 2
	return raw
}

// keys reads an array of keys; never null (left to encoding/json).
func (d *regionDecoder) keys() []WireKey {
	if d.i >= len(d.b) || d.b[d.i] != '[' {
		d.bad = true
		return nil
	}
	d.i++
	keys := make([]WireKey, 0, 4) // a region holds a few
	if d.space() < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return keys
	}
	for !d.bad {
		var k WireKey
		if !d.key(&k) {
			d.bad = true
			return nil
		}
		keys = append(keys, k)
		if d.space() == len(d.b) {
			break
		}
		switch d.b[d.i] {
		case ',':
			d.i++
			d.space()
		case ']':
			d.i++
			return keys
		default:
			d.bad = true
		}
	}
	d.bad = true
	return nil
}

func (d *regionDecoder) key(k *WireKey) bool {
	return d.object(keyFields, func(name string) {
		switch name {
		case "kid":
			k.KID = d.str()
		case "alg":
			k.Alg = d.str()
		case "public_key":
			k.PublicKey = d.str()
		case "not_before":
			k.NotBefore = d.time()
		case "not_after":
			k.NotAfter = d.time()
		case "revoked":
			k.Revoked = d.boolean()
		}
	})
}

func (d *regionDecoder) boolean() bool {
	switch {
	case bytes.HasPrefix(d.b[d.i:], []byte("true")):
		d.i += 4
		return d.delimited(true)
	case bytes.HasPrefix(d.b[d.i:], []byte("false")):
		d.i += 5
		return d.delimited(false)
	}
	d.bad = true
	return false
}

// delimited returns v when the literal just read ends where a value may
// (not "truex").
func (d *regionDecoder) delimited(v bool) bool {
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
		default:
			d.bad = true
		}
	}
	return v
}

// time reads a time as time.Time's UnmarshalJSON does. The form a hub
// writes for a whole second in UTC, "2026-11-27T08:00:00Z", is read here;
// any other goes to UnmarshalJSON.
func (d *regionDecoder) time() time.Time {
	raw := d.quoted()
	if d.bad {
		return time.Time{}
	}
	if t, ok := utcSecond(raw); ok {
		return t
	}
	var t time.Time
	if t.UnmarshalJSON(raw) != nil {
		d.bad = true
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
