package importer

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// Reader reads and validates the rows of one file, one at a time. It is a
// healthcode.ImportSource.
type Reader struct {
	kind string
	spec *kindSpec
	src  rowSource
	key  func(idNumber string) []byte
	now  time.Time
	vals []string
	row  healthcode.ImportRow
	// seen holds the line of each id given so far: an id given twice in
	// one file is rejected the second time.
	seen map[string]int64
	// region is this node's, set by SetRegion: rows whose home_region
	// names another are forwarded.
	region string
}

// rowSource is one file format: next fills vals (indexed by the kind's
// field table, "" when absent) with the next row and returns its line. A
// problem with that row alone comes back as bad; err is io.EOF at the end
// or a file error.
type rowSource interface {
	next(vals []string) (line int64, bad *healthcode.RowError, err error)
}

// NewReader returns a reader of the rows of kind in format (FormatCSV or
// FormatNDJSON) from r. key names a person by their normalised document
// number (secret.Box.PersonKey); now is the time no result may be after.
// A CSV header is read at once, so a file with a wrong header fails here.
func NewReader(kind, format string, r io.Reader, key func(idNumber string) []byte, now time.Time) (*Reader, error) {
	spec, ok := kinds[kind]
	if !ok {
		return nil, healthcode.Errorf(healthcode.ENOTFOUND, "unknown record kind %q: must be one of %s", clip(kind), strings.Join(healthcode.RecordKinds, ", "))
	}
	rd := &Reader{kind: kind, spec: spec, key: key, now: now,
		vals: make([]string, len(spec.fields)), seen: map[string]int64{}}
	var err error
	switch format {
	case healthcode.FormatCSV:
		rd.src, err = newCSVSource(r, kind, spec)
	case healthcode.FormatNDJSON:
		rd.src = newNDJSONSource(r, spec)
	default:
		err = healthcode.Errorf(healthcode.EINVALID, "unknown format %q: must be csv or ndjson", clip(format))
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// Kind returns the record kind of the file.
func (rd *Reader) Kind() string { return rd.kind }

// SetRegion tells the reader this node's region. A row whose home_region
// is another region comes back with Forward set, for the store to queue
// there rather than store here; one naming this region is a record like
// any other. Before SetRegion, a row naming any home_region is rejected:
// the reader cannot tell whose it is.
func (rd *Reader) SetRegion(region string) { rd.region = region }

// Next returns the next row, io.EOF after the last, or the file error that
// refuses the whole file. The returned row is reused by the next call.
func (rd *Reader) Next() (*healthcode.ImportRow, error) {
	line, bad, err := rd.src.next(rd.vals)
	if err != nil {
		return nil, err
	}
	trimAll(rd.vals)
	row := &rd.row
	row.Line, row.ID, row.Reject, row.Forward = line, rd.vals[fID], nil, nil
	if bad != nil {
		bad.ID = clipID(row.ID)
		row.Reject = bad
		return row, nil
	}
	c := rowCheck{spec: rd.spec, now: rd.now, line: line}
	if number := c.person(rd.vals); c.err == nil {
		c.key = rd.key(number)
		rd.spec.convert(&c, rd.vals, row)
		if c.err == nil && rd.vals[rd.spec.home()] != "" {
			row.Forward = rd.forward(&c, number)
		}
	}
	if c.err == nil {
		if first, dup := rd.seen[row.ID]; dup {
			c.fail(fID, "duplicate id: already given on line "+strconv.FormatInt(first, 10))
		} else {
			rd.seen[strings.Clone(row.ID)] = line
		}
	}
	row.Reject = c.err
	if c.err != nil {
		row.Forward = nil
	}
	return row, nil
}

// fileError is the error that refuses a whole file.
func fileError(line int64, format string, args ...any) error {
	e := healthcode.Errorf(healthcode.EINVALID, format, args...)
	if line > 0 {
		e.Message = "line " + strconv.FormatInt(line, 10) + ": " + e.Message
		e.Fields = map[string]string{"line": strconv.FormatInt(line, 10)}
	}
	return e
}
