package importer

import (
	"encoding/json"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
)

// NewValuesReader reads records that arrive already split into values,
// as a hub batch's do: rows[i] holds record i's values in the order of
// Fields(kind), "" where absent. They are checked exactly as a file's rows
// are; no row names a home region, so none is forwarded. Record i is line
// i+1 of the summary.
func NewValuesReader(kind string, rows [][]string, key func(idNumber string) []byte, now time.Time) (*Reader, error) {
	spec, ok := kinds[kind]
	if !ok {
		return nil, healthcode.Errorf(healthcode.ENOTFOUND, "unknown record kind %q: must be one of %s", clip(kind), strings.Join(healthcode.RecordKinds, ", "))
	}
	return &Reader{kind: kind, spec: spec, key: key, now: now, src: &valuesSource{rows: rows},
		vals: make([]string, len(spec.fields)), seen: map[string]int64{}}, nil
}

// valuesSource is the rows of NewValuesReader.
type valuesSource struct {
	rows [][]string
	i    int
}

func (s *valuesSource) next(vals []string) (int64, *healthcode.RowError, error) {
	if s.i == len(s.rows) {
		return 0, nil, io.EOF
	}
	row := s.rows[s.i]
	s.i++
	if len(row) != len(vals)-1 {
		// A caller's mistake, not the data's: refuse it all.
		return 0, nil, healthcode.Errorf(healthcode.EINTERNAL, "importer: record %d has %d values, the kind has %d fields", s.i, len(row), len(vals)-1)
	}
	copy(vals, row)
	vals[len(vals)-1] = "" // home region: never forwarded again
	return int64(s.i), nil, nil
}

// JSONValue is a field's JSON value as a row holds it, read as an NDJSON
// file's are: a string, a number as written, true or false, and null as
// absent (""). ok is false for an object or an array.
func JSONValue(raw json.RawMessage) (value string, ok bool) {
	if len(raw) == 0 {
		return "", true
	}
	switch raw[0] {
	case '"':
		if s, ok := unquoteSimple(raw); ok {
			return s, true
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case 'n':
		return "", string(raw) == "null"
	case 't', 'f':
		return string(raw), string(raw) == "true" || string(raw) == "false"
	case '{', '[':
		return "", false
	}
	// A number, as written (json.Number's text, whatever its range).
	if !json.Valid(raw) {
		return "", false
	}
	return string(raw), true
}

// unquoteSimple reads a JSON string without escapes or control
// characters, which most are, without a decoder.
func unquoteSimple(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[len(raw)-1] != '"' || !utf8.Valid(raw) {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
	}
	return string(body), true
}
