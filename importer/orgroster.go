package importer

import (
	"encoding/csv"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// An organisation's roster (issue 7) is a file of its members, in CSV with
// a header or in NDJSON, with the same row-level errors as record imports:
// a bad row is reported by line, field and reason and the others are
// kept; a file that cannot be read as a whole (bad CSV, a line that is not
// a JSON object, an unknown or missing column) is refused whole.

// Roster fields, in rosterSpec's order.
const (
	rIDType = iota
	rIDNumber
	rName
	rUnit
)

var rosterSpec = &kindSpec{fields: []fieldSpec{
	{"id_type", false}, {"id_number", true}, {"name", true}, {"unit", false},
}}

// Limits of a roster's text fields, in characters.
const (
	MaxMemberName = 50
	MaxUnit       = 100
)

// RosterRow is one row of a roster, validated: Member is filled when
// Reject is nil.
type RosterRow struct {
	Line   int64
	Member healthcode.OrgMember
	Reject *healthcode.RowError
}

// RosterReader reads and validates the rows of a roster file.
type RosterReader struct {
	src  rowSource
	now  time.Time
	vals []string
	row  RosterRow
}

// NewRosterReader returns a reader of the roster in format (FormatCSV or
// FormatNDJSON) from r; now dates the check of document numbers. A CSV
// header is read at once, so a file with a wrong header fails here.
func NewRosterReader(format string, r io.Reader, now time.Time) (*RosterReader, error) {
	rd := &RosterReader{now: now, vals: make([]string, len(rosterSpec.fields))}
	var err error
	switch format {
	case healthcode.FormatCSV:
		rd.src, err = newRosterCSV(r)
	case healthcode.FormatNDJSON:
		rd.src = newNDJSONSource(r, rosterSpec)
	default:
		err = healthcode.Errorf(healthcode.EINVALID, "unknown format %q: must be csv or ndjson", clip(format))
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// Next returns the next row (the same *RosterRow every call), io.EOF
// after the last, or the error that refuses the file.
func (rd *RosterReader) Next() (*RosterRow, error) {
	line, bad, err := rd.src.next(rd.vals)
	if err != nil {
		return nil, err
	}
	rd.row = RosterRow{Line: line, Reject: bad}
	if bad != nil {
		return &rd.row, nil
	}
	v := rd.vals
	trimAll(v)
	fail := func(field int, reason string) (*RosterRow, error) {
		rd.row.Reject = &healthcode.RowError{Line: line, Field: rosterSpec.fields[field].name, Reason: reason}
		return &rd.row, nil
	}
	for i, f := range rosterSpec.fields {
		if f.required && v[i] == "" {
			return fail(i, "is required")
		}
	}
	t := healthcode.IDResident
	if v[rIDType] != "" {
		if t = healthcode.IDType(v[rIDType]); !t.Valid() {
			return fail(rIDType, "must be resident_id, passport, hk_macao_permit, taiwan_permit or foreign_permanent_resident")
		}
	}
	n, err := idnum.ValidateDocument(t, v[rIDNumber], rd.now)
	if err != nil {
		return fail(rIDNumber, healthcode.ErrorMessage(err))
	}
	if utf8.RuneCountInString(v[rName]) > MaxMemberName {
		return fail(rName, "must be at most 50 characters")
	}
	if utf8.RuneCountInString(v[rUnit]) > MaxUnit {
		return fail(rUnit, "must be at most 100 characters")
	}
	rd.row.Member = healthcode.OrgMember{IDType: string(t), IDNumber: n, Name: v[rName], Unit: v[rUnit],
		Source: healthcode.MemberFromRoster}
	return &rd.row, nil
}

// rosterCSV reads a roster in CSV whose first line names the columns, in
// any order.
type rosterCSV struct {
	r    *csv.Reader
	cols []int
}

func newRosterCSV(r io.Reader) (*rosterCSV, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fileError(1, "the file is empty: the first line must name the columns (id_type,id_number,name,unit)")
	} else if err != nil {
		return nil, csvError(err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], utf8BOM)
	}
	s := &rosterCSV{r: cr, cols: make([]int, len(header))}
	given := make([]bool, len(rosterSpec.fields))
	for col, h := range header {
		if !utf8.ValidString(h) {
			return nil, fileError(1, "the header is not UTF-8 text")
		}
		h = strings.TrimSpace(h)
		i := rosterSpec.index(h)
		switch {
		case i < 0:
			return nil, fileError(1, "unknown column %q: a roster's columns are id_type, id_number, name and unit", clip(h))
		case given[i]:
			return nil, fileError(1, "column %q is given twice", clip(h))
		}
		given[i], s.cols[col] = true, i
	}
	for i, f := range rosterSpec.fields {
		if f.required && !given[i] {
			return nil, fileError(1, "missing column %q: a roster needs the columns id_number and name", f.name)
		}
	}
	return s, nil
}

func (s *rosterCSV) next(vals []string) (int64, *healthcode.RowError, error) {
	return readCSVRow(s.r, s.cols, vals)
}
