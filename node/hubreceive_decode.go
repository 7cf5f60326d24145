package node

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// A page of the hub carries megabytes of batches, and each batch thousands
// of records: encoding/json reads both a byte at a time through its state
// machine, and a record into a map by reflection. The hub and the nodes'
// senders write them in one plain form (lower-case keys without escapes,
// JWS strings, records of scalars), which the scanners here cut with
// bytes.IndexByte. Anything else they report as not theirs, and the
// caller reads it with encoding/json as before: FuzzSplitRecord and
// FuzzDecodeBatchPage hold them to what encoding/json makes of the same
// bytes.

// splitRecord cuts a record, a JSON object whose values are strings,
// numbers, true, false or null under keys without escapes, into its
// members, as json.Unmarshal into a map[string]json.RawMessage would (the
// last of a repeated key wins; values keep their bytes). ok is false for
// anything else: the caller decodes it with encoding/json.
func splitRecord(b []byte) (fields map[string]json.RawMessage, ok bool) {
	s := jsonScan{b: b}
	if !s.consume('{') {
		return nil, false
	}
	fields = make(map[string]json.RawMessage, 12)
	if s.consume('}') {
		return fields, s.end()
	}
	for {
		key, ok := s.key()
		if !ok {
			return nil, false
		}
		v, ok := s.scalar()
		if !ok {
			return nil, false
		}
		fields[key] = v
		if s.consume(',') {
			continue
		}
		if s.consume('}') {
			return fields, s.end()
		}
		return nil, false
	}
}

// decodeBatchPage reads a page of GET /hub/v1/batches in the hub's own
// form: {"batches":[{"seq":N,"id":"…","from":"…","signed":"…"},…],"next":N}.
// ok is false for anything else.
func decodeBatchPage(b []byte) (page []listedInboxBatch, ok bool) {
	s := jsonScan{b: b}
	if !s.consume('{') {
		return nil, false
	}
	if key, ok := s.key(); !ok || key != "batches" || !s.consume('[') {
		return nil, false
	}
	page = []listedInboxBatch{}
	if !s.consume(']') {
		for {
			var lb listedInboxBatch
			if !s.batch(&lb) {
				return nil, false
			}
			page = append(page, lb)
			if s.consume(',') {
				continue
			}
			if s.consume(']') {
				break
			}
			return nil, false
		}
	}
	if !s.consume(',') {
		return nil, false
	}
	if key, ok := s.key(); !ok || key != "next" {
		return nil, false
	}
	if _, ok := s.integer(); !ok || !s.consume('}') {
		return nil, false
	}
	return page, s.end()
}

// batch reads one listed batch with exactly its four members, in any order.
func (s *jsonScan) batch(lb *listedInboxBatch) bool {
	if !s.consume('{') {
		return false
	}
	var seen [4]bool
	for {
		key, ok := s.key()
		if !ok {
			return false
		}
		var i int
		switch key {
		case "seq":
			lb.Seq, ok = s.integer()
		case "id":
			i = 1
			lb.ID, ok = s.plainString()
		case "from":
			i = 2
			lb.From, ok = s.plainString()
		case "signed":
			i = 3
			lb.Signed, ok = s.plainString()
		default:
			return false // another member: encoding/json's matching rules decide
		}
		if !ok || seen[i] {
			return false
		}
		seen[i] = true
		if s.consume(',') {
			continue
		}
		return s.consume('}') && seen == [4]bool{true, true, true, true}
	}
}

// jsonScan reads JSON text from the start of b, skipping whitespace
// between tokens.
type jsonScan struct {
	b []byte
	i int
}

func (s *jsonScan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume takes c as the next token, if it is.
func (s *jsonScan) consume(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (s *jsonScan) end() bool {
	s.space()
	return s.i == len(s.b)
}

// key reads a member's name and its colon.
func (s *jsonScan) key() (string, bool) {
	k, ok := s.plainString()
	return k, ok && s.consume(':')
}

// plainString reads a string of printable ASCII without escapes, the one
// kind whose JSON text is its value.
func (s *jsonScan) plainString() (string, bool) {
	raw, ok := s.stringToken()
	if !ok {
		return "", false
	}
	for _, c := range raw[1 : len(raw)-1] {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return "", false
		}
	}
	return string(raw[1 : len(raw)-1]), true
}

// stringToken reads a string's JSON text, quotes included, checking its
// escapes and its characters as encoding/json does.
func (s *jsonScan) stringToken() ([]byte, bool) {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i
	j := s.i + 1
	for {
		k := bytes.IndexByte(s.b[j:], '"')
		if k < 0 {
			return nil, false
		}
		j += k
		if bytes.IndexByte(s.b[start+1:j], '\\') < 0 {
			break
		}
		// Escapes: a quote preceded by an odd run of backslashes is one.
		n := 0
		for p := j - 1; p > start && s.b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			break
		}
		j++
	}
	raw := s.b[start : j+1]
	if !validPlain(raw) && !json.Valid(raw) {
		return nil, false
	}
	s.i = j + 1
	return raw, true
}

// validPlain reports whether a quoted string has no escapes and no control
// characters, which json.Valid would accept too; it spares the check for
// the common case. Invalid UTF-8 is left to json.Valid (encoding/json
// takes it, replacing it when it decodes).
func validPlain(raw []byte) bool {
	for _, c := range raw[1 : len(raw)-1] {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return true
}

// scalar reads a string, a number, true, false or null and returns its
// JSON text.
func (s *jsonScan) scalar() (json.RawMessage, bool) {
	s.space()
	if s.i >= len(s.b) {
		return nil, false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		raw, ok := s.stringToken()
		return raw, ok
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		start := s.i
		for s.i < len(s.b) && bytes.IndexByte([]byte("+-.eE0123456789"), s.b[s.i]) >= 0 {
			s.i++
		}
		raw := s.b[start:s.i]
		return raw, json.Valid(raw)
	}
	return nil, false
}

func (s *jsonScan) literal(word string) (json.RawMessage, bool) {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return nil, false
	}
	raw := s.b[s.i : s.i+len(word)]
	s.i += len(word)
	return raw, true
}

// integer reads a number that an int64 holds, as encoding/json decodes one
// into an int64.
func (s *jsonScan) integer() (int64, bool) {
	raw, ok := s.scalar()
	if !ok || raw[0] == '"' || raw[0] == 't' || raw[0] == 'f' || raw[0] == 'n' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}
