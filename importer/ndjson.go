package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
)

// maxLineBytes bounds one NDJSON line; a record is a few hundred bytes.
const maxLineBytes = 64 << 10

// ndjsonSource reads one JSON object per line. Values may be strings,
// numbers, true/false or null (absent).
type ndjsonSource struct {
	br    *bufio.Reader
	spec  *kindSpec
	line  int64
	index map[string]int
	obj   map[string]any
}

func newNDJSONSource(r io.Reader, spec *kindSpec) *ndjsonSource {
	s := &ndjsonSource{br: bufio.NewReaderSize(r, maxLineBytes), spec: spec, index: map[string]int{}}
	for i, f := range spec.fields {
		s.index[f.name] = i
	}
	return s
}

func (s *ndjsonSource) next(vals []string) (int64, *healthcode.RowError, error) {
	for {
		data, err := s.br.ReadSlice('\n')
		last := false
		switch {
		case err == bufio.ErrBufferFull:
			return 0, nil, fileError(s.line+1, "longer than 64 KiB: not NDJSON")
		case err == io.EOF:
			if len(data) == 0 {
				return 0, nil, io.EOF
			}
			last = true
		case err != nil:
			return 0, nil, healthcode.Errorf(healthcode.EINVALID, "cannot read the file: %v", err)
		}
		s.line++
		if s.line == 1 {
			data = bytes.TrimPrefix(data, []byte(utf8BOM))
		}
		data = bytes.TrimSpace(data)
		if len(data) == 0 {
			continue // blank lines separate nothing
		}
		if !utf8.Valid(data) {
			return 0, nil, fileError(s.line, "not UTF-8 text: the file must be UTF-8")
		}
		return s.parse(data, vals, last)
	}
}

func (s *ndjsonSource) parse(data []byte, vals []string, last bool) (int64, *healthcode.RowError, error) {
	clear(vals)
	clear(s.obj)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&s.obj); err != nil || s.obj == nil || dec.More() {
		var syntax *json.SyntaxError
		switch {
		case data[0] != '{':
			return 0, nil, fileError(s.line, "not a JSON object: each line must be one object")
		case last && (errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &syntax)):
			return 0, nil, fileError(s.line, "the last line is cut off: the file is truncated")
		}
		return 0, nil, fileError(s.line, "not a JSON object: each line must be exactly one object")
	}
	var bad *healthcode.RowError
	for k, v := range s.obj {
		i, ok := s.index[k]
		if !ok {
			bad = firstBad(bad, s.line, clip(k), "unknown field")
			continue
		}
		switch v := v.(type) {
		case string:
			vals[i] = v
		case json.Number:
			vals[i] = v.String()
		case bool:
			vals[i] = "false"
			if v {
				vals[i] = "true"
			}
		case nil:
		default:
			bad = firstBad(bad, s.line, k, "must be a string, a number or true/false")
		}
	}
	return s.line, bad, nil
}

// firstBad keeps one problem per row, the one of the first field by name
// so the report does not depend on map order.
func firstBad(bad *healthcode.RowError, line int64, field, reason string) *healthcode.RowError {
	if bad != nil && bad.Field < field {
		return bad
	}
	return &healthcode.RowError{Line: line, Field: field, Reason: reason}
}
