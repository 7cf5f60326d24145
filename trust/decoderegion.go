package trust

import (
	"bytes"
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
	var seen uint8
	ok := d.object(func(key []byte) bool {
		var bit uint8
		switch string(key) {
		case "id":
			bit, wr.ID = 1, d.str()
		case "name":
			bit, wr.Name = 2, d.str()
		case "mode":
			bit, wr.Mode = 4, d.str()
		case "endpoint":
			bit, wr.Endpoint = 8, d.str()
		case "keys":
			bit, wr.Keys = 16, d.keys()
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return !d.bad
	})
	return ok && !d.bad && d.space() == len(b)
}

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

// object reads {"key": value, …}, calling field for each key with the
// value next to read; field answers whether it read it.
func (d *regionDecoder) object(field func(key []byte) bool) bool {
	if d.space() == len(d.b) || d.b[d.i] != '{' {
		return false
	}
	d.i++
	if d.space() < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return true
	}
	for {
		key := d.quoted()
		if d.bad || d.space() == len(d.b) || d.b[d.i] != ':' {
			return false
		}
		d.i++
		d.space()
		if !field(key[1 : len(key)-1]) {
			return false
		}
		if d.space() == len(d.b) {
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
	for _, c := range raw[1 : n+1] {
		if c < 0x20 || c == '\\' {
			d.bad = true
			return nil
		}
	}
	if !utf8.Valid(raw[1 : n+1]) {
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
	keys := []WireKey{}
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
	var seen uint8
	return d.object(func(key []byte) bool {
		var bit uint8
		switch string(key) {
		case "kid":
			bit, k.KID = 1, d.str()
		case "alg":
			bit, k.Alg = 2, d.str()
		case "public_key":
			bit, k.PublicKey = 4, d.str()
		case "not_before":
			bit = 8
			if raw := d.quoted(); !d.bad && k.NotBefore.UnmarshalJSON(raw) != nil {
				d.bad = true
			}
		case "not_after":
			bit = 16
			if raw := d.quoted(); !d.bad && k.NotAfter.UnmarshalJSON(raw) != nil {
				d.bad = true
			}
		case "revoked":
			bit, k.Revoked = 32, d.boolean()
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return !d.bad
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
