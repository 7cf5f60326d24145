// Package jsonscan reads JSON text of a known, plain form without
// encoding/json's state machine and reflection: the hub's trust lists and
// pages of batches, and the records of the batches nodes send, which run
// to megabytes. A Scanner reads what it can in one pass and sets Bad at
// the first thing outside that form (an escaped key, a member it was not
// told of, a repeated one, a nested value where a scalar goes); its
// callers then read the whole text with encoding/json, as before. Each
// caller's fuzz test holds the pair to encoding/json: whatever the
// scanner takes, encoding/json reads the same from the same bytes.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Scanner reads B from I; value readers expect I at the value (after
// Space), and leave it after what they read.
type Scanner struct {
	B   []byte
	I   int
	Bad bool // something outside the plain form was met
}

// Space skips whitespace and returns I.
func (s *Scanner) Space() int {
	for s.I < len(s.B) && (s.B[s.I] == ' ' || s.B[s.I] == '\t' || s.B[s.I] == '\r' || s.B[s.I] == '\n') {
		s.I++
	}
	return s.I
}

// Consume skips whitespace and takes c when it comes next.
func (s *Scanner) Consume(c byte) bool {
	if s.Space() < len(s.B) && s.B[s.I] == c {
		s.I++
		return true
	}
	return false
}

// End reports whether nothing but whitespace is left and nothing was Bad.
func (s *Scanner) End() bool {
	return !s.Bad && s.Space() == len(s.B)
}

// Object reads {"key": value, …} whose keys are among names, each at most
// once, calling read with the key to read its value; false for anything
// else (a key not among names included: encoding/json matches keys to
// fields by its own rules).
func (s *Scanner) Object(names []string, read func(name string)) bool {
	if !s.Consume('{') {
		return false
	}
	if s.Consume('}') {
		return true
	}
	var seen uint64 // by index in names
	for {
		key := s.Quoted()
		if s.Bad || !s.Consume(':') {
			return false
		}
		s.Space()
		i := fieldIndex(names, key[1:len(key)-1])
		if i < 0 || seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		if read(names[i]); s.Bad {
			return false
		}
		if s.Consume(',') {
			s.Space()
			continue
		}
		return s.Consume('}')
	}
}

// Array reads [value, …], calling item to read each value; false for
// anything else (item's false or Bad included).
func (s *Scanner) Array(item func() bool) bool {
	if !s.Consume('[') {
		return false
	}
	if s.Consume(']') {
		return true
	}
	for {
		s.Space()
		if !item() || s.Bad {
			return false
		}
		if s.Consume(',') {
			continue
		}
		return s.Consume(']')
	}
}

// Members reads an object whose keys are plain strings (Quoted) and whose
// values are scalars (Scalar), calling member with each key and its
// value's text, in order (a repeated key is passed again); false for
// anything else.
func (s *Scanner) Members(member func(key string, value []byte)) bool {
	if !s.Consume('{') {
		return false
	}
	if s.Consume('}') {
		return true
	}
	for {
		key := s.Quoted()
		if s.Bad || !s.Consume(':') {
			return false
		}
		s.Space()
		v, ok := s.Scalar()
		if !ok {
			return false
		}
		member(string(key[1:len(key)-1]), v)
		if s.Consume(',') {
			s.Space()
			continue
		}
		return s.Consume('}')
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

// Str reads a plain string (Quoted) and returns its value.
func (s *Scanner) Str() string {
	raw := s.Quoted()
	if s.Bad {
		return ""
	}
	return string(raw[1 : len(raw)-1])
}

// Quoted reads a string without escapes or control characters, in valid
// UTF-8 (encoding/json would replace bad bytes), and returns its text,
// quotes included: the one kind of string whose text is its value.
func (s *Scanner) Quoted() []byte {
	if s.I >= len(s.B) || s.B[s.I] != '"' {
		s.Bad = true
		return nil
	}
	n := bytes.IndexByte(s.B[s.I+1:], '"')
	if n < 0 {
		s.Bad = true
		return nil
	}
	raw := s.B[s.I : s.I+n+2]
	ascii := true
	for _, c := range raw[1 : n+1] {
		if c < 0x20 || c == '\\' {
			s.Bad = true
			return nil
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	if !ascii && !utf8.Valid(raw[1:n+1]) {
		s.Bad = true
		return nil
	}
	s.I += n + 2
	return raw
}

// Bool reads true or false.
func (s *Scanner) Bool() bool {
	switch {
	case bytes.HasPrefix(s.B[s.I:], []byte("true")):
		s.I += 4
		return s.delimited(true)
	case bytes.HasPrefix(s.B[s.I:], []byte("false")):
		s.I += 5
		return s.delimited(false)
	}
	s.Bad = true
	return false
}

// delimited returns v when the literal just read ends where a value may
// (not "truex").
func (s *Scanner) delimited(v bool) bool {
	if s.I < len(s.B) {
		switch s.B[s.I] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
		default:
			s.Bad = true
		}
	}
	return v
}

// Scalar reads a string (escapes allowed), a number, true, false or null
// and returns its text; false, and Bad, for anything else.
func (s *Scanner) Scalar() ([]byte, bool) {
	if s.I >= len(s.B) {
		s.Bad = true
		return nil, false
	}
	start := s.I
	switch c := s.B[s.I]; {
	case c == '"':
		return s.escapedString()
	case c == 't' || c == 'f' || c == 'n':
		for _, word := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(s.B[s.I:], []byte(word)) {
				s.I += len(word)
				if s.delimited(true); !s.Bad {
					return s.B[start:s.I], true
				}
			}
		}
	case c == '-' || '0' <= c && c <= '9':
		for s.I < len(s.B) && isNumberByte(s.B[s.I]) {
			s.I++
		}
		if raw := s.B[start:s.I]; json.Valid(raw) {
			return raw, true
		}
	}
	s.Bad = true
	return nil, false
}

func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// escapedString reads a string whose escapes and characters encoding/json
// takes, and returns its text, quotes included.
func (s *Scanner) escapedString() ([]byte, bool) {
	start := s.I
	j := s.I + 1
	for {
		k := bytes.IndexByte(s.B[j:], '"')
		if k < 0 {
			s.Bad = true
			return nil, false
		}
		j += k
		// A quote after an odd run of backslashes is escaped.
		n := 0
		for p := j - 1; p > start && s.B[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			break
		}
		j++
	}
	raw := s.B[start : j+1]
	if !plainText(raw[1:len(raw)-1]) && !json.Valid(raw) {
		s.Bad = true
		return nil, false
	}
	s.I = j + 1
	return raw, true
}

// plainText reports whether b has no escapes and no control characters,
// which json.Valid would take too; it spares that check in the common
// case. Invalid UTF-8 is taken, as encoding/json takes it.
func plainText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return true
}

// Int reads a number that an int64 holds, as encoding/json decodes one
// into an int64 (no fraction, no exponent).
func (s *Scanner) Int() int64 {
	raw, ok := s.Scalar()
	if !ok || raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		s.Bad = true
		return 0
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		s.Bad = true
	}
	return n
}
