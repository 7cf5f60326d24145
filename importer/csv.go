package importer

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
)

// csvSource reads CSV whose first line names the columns (in any order).
type csvSource struct {
	r    *csv.Reader
	cols []int // field index of each column
}

const utf8BOM = "\ufeff"

// maxQuoted bounds, in bytes, what a message or a row's reason quotes of
// the input: a column name, a field name, an id. Whatever the file holds
// (a one-line upload of 20 MB is one column name), the answer stays small.
const maxQuoted = 64

// clip returns s cut to at most maxQuoted bytes, on a rune boundary, with
// "…" after it when it was cut: what a message quotes of the input.
func clip(s string) string { return healthcode.Clip(s, maxQuoted) }

// clipID is a row's id as a rejected row names it: whole when it may be an
// id (maxIDLen), cut as clip cuts otherwise.
func clipID(s string) string { return healthcode.Clip(s, maxIDLen) }

func newCSVSource(r io.Reader, kind string, spec *kindSpec) (*csvSource, error) {
	cr := csv.NewReader(r)
	// Each record is parsed into the same slice: a big file is read with
	// one allocation per record, the line itself.
	cr.ReuseRecord = true
	names, _ := Fields(kind)
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fileError(1, "the file is empty: the first line must name the columns (%s)", strings.Join(names, ","))
	} else if err != nil {
		return nil, csvError(err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], utf8BOM) // as spreadsheets write it
	}
	s := &csvSource{r: cr, cols: make([]int, len(header))}
	given := make([]bool, len(spec.fields))
	for col, h := range header {
		if !utf8.ValidString(h) {
			return nil, fileError(1, "the header is not UTF-8 text")
		}
		h = strings.TrimSpace(h)
		i := spec.index(h)
		switch {
		case i < 0:
			return nil, fileError(1, "unknown column %q: the columns of %s are %s and %s", clip(h), kind, strings.Join(names, ", "), HomeRegion)
		case given[i]:
			return nil, fileError(1, "column %q is given twice", clip(h))
		}
		given[i], s.cols[col] = true, i
	}
	for i, f := range spec.fields {
		if f.required && !given[i] {
			return nil, fileError(1, "missing column %q: %s need the columns %s", f.name, kind, strings.Join(required(spec), ", "))
		}
	}
	return s, nil
}

func required(spec *kindSpec) []string {
	var names []string
	for _, f := range spec.fields {
		if f.required {
			names = append(names, f.name)
		}
	}
	return names
}

func (s *csvSource) next(vals []string) (int64, *healthcode.RowError, error) {
	return readCSVRow(s.r, s.cols, vals)
}

// readCSVRow reads the next row of r into vals, the field of each of cols
// (vals[cols[col]] = row[col]), and returns its line.
func readCSVRow(r *csv.Reader, cols []int, vals []string) (int64, *healthcode.RowError, error) {
	rec, err := r.Read()
	if err != nil {
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		return 0, nil, csvError(err)
	}
	line, _ := r.FieldPos(0)
	clear(vals)
	for col, i := range cols {
		if !utf8.ValidString(rec[col]) {
			return 0, nil, fileError(int64(line), "not UTF-8 text: the file must be UTF-8 (convert GB 18030 files first)")
		}
		vals[i] = rec[col]
	}
	return int64(line), nil, nil
}

// csvError explains a CSV parse error; every one refuses the file.
func csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return healthcode.Errorf(healthcode.EINVALID, "cannot read the file: %v", err)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		return fileError(int64(pe.StartLine), "wrong number of fields for the header: the file is truncated or not CSV")
	case errors.Is(pe.Err, csv.ErrQuote):
		// A quote never closed (the file cut off inside a quoted field) or
		// closed too early: encoding/csv tells the two apart only by guess.
		return fileError(int64(pe.StartLine), "a quoted field is not closed properly: the file is truncated or not CSV")
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fileError(int64(pe.Line), "bad quoting at column %d: not CSV", pe.Column)
	}
	return fileError(int64(pe.Line), "not CSV: %v", pe.Err)
}
