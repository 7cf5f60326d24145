package importer

import (
	"strings"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// china is the zone of dates and zone-less times in a file.
var china = time.FixedZone("CST", 8*60*60)

// futureSkew tolerates a provider's clock running a little ahead.
const futureSkew = 5 * time.Minute

// Limits of free-text fields, in bytes.
const (
	maxIDLen   = 128
	maxTextLen = 200
)

// rowCheck validates one row and keeps its first problem.
type rowCheck struct {
	spec *kindSpec
	now  time.Time
	line int64
	id   string
	key  []byte // the person key, once the document number checked out
	err  *healthcode.RowError
}

func (c *rowCheck) fail(field int, reason string) {
	if c.err == nil {
		c.err = &healthcode.RowError{Line: c.line, ID: clipID(c.id), Field: c.spec.fields[field].name, Reason: reason}
	}
}

// person checks the common fields and returns the normalised document
// number, "" when the row fails.
func (c *rowCheck) person(v []string) string {
	c.id = v[fID]
	for i, f := range c.spec.fields {
		if f.required && v[i] == "" {
			c.fail(i, "is required")
			return ""
		}
	}
	if len(v[fID]) > maxIDLen {
		c.fail(fID, "must be at most 128 characters")
		return ""
	}
	c.text(v, fName)
	t := healthcode.IDResident
	if v[fIDType] != "" {
		if t = healthcode.IDType(v[fIDType]); !t.Valid() {
			c.fail(fIDType, "must be resident_id, passport, hk_macao_permit, taiwan_permit or foreign_permanent_resident")
			return ""
		}
	}
	n, err := idnum.ValidateDocument(t, v[fIDNumber], c.now)
	if err != nil {
		c.fail(fIDNumber, healthcode.ErrorMessage(err))
		return ""
	}
	return n
}

// time parses a date (YYYY-MM-DD, midnight in China), an RFC 3339 time,
// or a time without zone (read in China). Empty gives the zero time.
func (c *rowCheck) time(v []string, i int) time.Time {
	if v[i] == "" {
		return time.Time{}
	}
	t, ok := parseTime(v[i])
	if !ok {
		c.fail(i, "must be a date YYYY-MM-DD or a time like 2026-11-20T08:30:00+08:00")
	}
	return t
}

func parseTime(s string) (time.Time, bool) {
	var t time.Time
	var err error
	switch {
	case len(s) == len(time.DateOnly):
		t, err = time.ParseInLocation(time.DateOnly, s, china)
	case len(s) == len(time.DateTime) && s[10] == 'T':
		t, err = time.ParseInLocation("2006-01-02T15:04:05", s, china)
	case len(s) == len(time.DateTime):
		t, err = time.ParseInLocation(time.DateTime, s, china)
	default:
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// past refuses a time after now: results and events cannot come from the
// future.
func (c *rowCheck) past(i int, t time.Time) time.Time {
	if t.After(c.now.Add(futureSkew)) {
		c.fail(i, "is in the future")
	}
	return t
}

func (c *rowCheck) text(v []string, i int) string {
	if len(v[i]) > maxTextLen {
		c.fail(i, "must be at most 200 characters")
	}
	return v[i]
}

func (c *rowCheck) division(v []string, i int) string {
	if !idnum.ValidDivision(v[i]) {
		c.fail(i, "must be a six-digit GB/T 2260 division code")
	}
	return v[i]
}

// trimAll trims surrounding spaces from every value, in place.
func trimAll(v []string) {
	for i, s := range v {
		if s != "" && (s[0] == ' ' || s[len(s)-1] == ' ' || s[0] == '\t' || s[len(s)-1] == '\t') {
			v[i] = strings.TrimSpace(s)
		}
	}
}
