package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// The scan log as contact tracing reads it: the passed entries and exits
// of one person (by the (subject, at) index) and of the venues they went
// to (by the (venue_id, at) index). Reading a venue's window is the hot
// path of a trace, so a row costs no allocation of its own beyond the
// driver's values: the venue id is the window's, the kind is read once a
// window, equal regions share one string and the subjects are cut from a
// few large buffers.

var (
	_ healthcode.VisitStore = (*DB)(nil)
	_ healthcode.TraceStore = (*DB)(nil)
)

// VenueWindow is a span of time at a venue, for ScanPointsAtMany: From
// inclusive, To exclusive, a zero To meaning no end.
type VenueWindow = healthcode.VenueWindow

// passed are the conditions of a scan of table t that let someone in or
// out.
func passed(t string) string {
	return t + `.verdict = 'pass' AND ` + t + `.direction IN ('in', 'out')`
}

// pointColumns are read by every query of points after its own leading
// columns: whether the scan is an exit, the person and the time.
const pointColumns = `CAST(s.direction = 'out' AS INTEGER) AS is_exit, s.region, s.subject, s.person_id, s.at`

// The kind of a venue is read once a window rather than once a row (as a
// string, it would cost the driver two allocations a row): only the first
// points of the window, found by their own step into the index, carry it.

// firstAt is the time of the first passed scan at venue v in [lo, hi).
func firstAt(v, lo, hi string) string {
	return `(SELECT f.at FROM scans f WHERE f.venue_id = ` + v + ` AND f.at >= ` + lo + ` AND f.at < ` + hi + ` AND ` +
		passed("f") + ` ORDER BY f.at LIMIT 1)`
}

var (
	scanPointsOfQuery = `SELECT s.venue_id, v.kind, ` + pointColumns + `
		FROM scans s LEFT JOIN venues v ON v.id = s.venue_id
		WHERE s.subject = $1 AND s.at >= $2 AND s.at < $3 AND s.region = $4 AND ` + passed("s") + `
		ORDER BY s.at, s.id`
	scanPointsAtQuery = `SELECT CASE WHEN s.at = ` + firstAt("$1", "$2", "$3") + `
			THEN (SELECT v.kind FROM venues v WHERE v.id = $1) END, ` + pointColumns + `
		FROM scans s
		WHERE s.venue_id = $1 AND s.at >= $2 AND s.at < $3 AND ` + passed("s") + `
		ORDER BY s.at, s.id`
	// ScanPointsAtMany's on PostgreSQL. The windows' kinds and first
	// times are found once a window, in a subquery that OFFSET 0 keeps
	// whole; each window's points are then read by a LATERAL subquery,
	// which the planner cannot turn into a join of all the windows with
	// all the scans: it walks the (venue_id, at) index once a window
	// however the statistics look. The windows' order carries through, so
	// the points are sorted a window at a time (an incremental sort).
	scanPointsAtManyQuery = `SELECT w.n - 1, CASE WHEN p.at = w.first THEN w.kind END, p.is_exit, p.region, p.subject,
			p.person_id, p.at
		FROM (SELECT l.n, l.venue_id, l.lo, l.hi, (SELECT v.kind FROM venues v WHERE v.id = l.venue_id) AS kind,
				` + firstAt("l.venue_id", "l.lo", "l.hi") + ` AS first
			FROM unnest(CAST($1 AS TEXT[]), CAST($2 AS BIGINT[]), CAST($3 AS BIGINT[]))
				WITH ORDINALITY AS l (venue_id, lo, hi, n)
			ORDER BY l.n OFFSET 0) w
		CROSS JOIN LATERAL (SELECT ` + pointColumns + `, s.id FROM scans s
			WHERE s.venue_id = w.venue_id AND s.at >= w.lo AND s.at < w.hi AND ` + passed("s") + `
			ORDER BY s.at, s.id) p
		ORDER BY w.n, p.at, p.id`
)

// ScanPointsOf returns the passed scans of p (region and subject) with At
// in [from, to), oldest first, with their venues' kinds; a zero to sets no
// end. PersonID is the one each scan recorded. See healthcode.VisitStore.
func (db *DB) ScanPointsOf(ctx context.Context, p healthcode.VisitPerson, from, to time.Time) ([]healthcode.ScanPoint, error) {
	lo, hi := bounds(from, to)
	if lo >= hi {
		return []healthcode.ScanPoint{}, nil
	}
	rows, err := db.queryPoints(ctx, scanPointsOfQuery, nonNil(p.Subject), lo, hi, p.Region)
	if err != nil {
		return nil, db.wrap(err, "read scan points")
	}
	defer rows.Close()
	var venue, kind sql.RawBytes
	r := newPointReader(&venue, &kind)
	var venues, kinds interned
	points := []healthcode.ScanPoint{}
	for rows.Next() {
		pt, err := r.scan(rows)
		if err != nil {
			return nil, db.wrap(err, "read scan points")
		}
		pt.VenueID, pt.VenueKind = venues.get(venue), kinds.get(kind)
		points = append(points, pt)
	}
	return points, db.wrap(rows.Err(), "read scan points")
}

// ScanPointsAt returns the passed scans at venueID with At in [from, to),
// oldest first, with the venue's kind; a zero to sets no end. See
// healthcode.VisitStore.
func (db *DB) ScanPointsAt(ctx context.Context, venueID string, from, to time.Time) ([]healthcode.ScanPoint, error) {
	lo, hi := bounds(from, to)
	if lo >= hi {
		return []healthcode.ScanPoint{}, nil
	}
	var kind sql.NullString
	return db.appendPointsAt(ctx, make([]healthcode.ScanPoint, 0, 64), newPointReader(&kind), &kind, venueID, lo, hi)
}

// appendPointsAt appends the points at venueID in [lo, hi) to points,
// reading them with r, whose first column is kind.
func (db *DB) appendPointsAt(ctx context.Context, points []healthcode.ScanPoint, r *pointReader, kind *sql.NullString,
	venueID string, lo, hi int64) ([]healthcode.ScanPoint, error) {
	rows, err := db.queryPoints(ctx, scanPointsAtQuery, venueID, lo, hi)
	if err != nil {
		return nil, db.wrap(err, "read venue scan points")
	}
	defer rows.Close()
	first := len(points)
	var venueKind string
	for rows.Next() {
		pt, err := r.scan(rows)
		if err != nil {
			return nil, db.wrap(err, "read venue scan points")
		}
		if kind.Valid {
			venueKind = kind.String
		}
		pt.VenueID = venueID
		points = append(points, pt)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "read venue scan points")
	}
	for i := first; i < len(points); i++ {
		points[i].VenueKind = venueKind
	}
	return points, nil
}

// ScanPointsAtMany reads the passed scans of many venue windows, each
// with its venue's kind. The windows of one venue are merged where they
// overlap or touch, so a scan comes once however many windows hold it;
// the points come grouped by venue, in order of VenueID, and oldest first
// within a venue: for disjoint windows, the concatenation of ScanPointsAt
// of each in that order.
//
// On PostgreSQL the windows go in one query, saving a round trip each.
// SQLite runs in the process, where there is no round trip to save: one
// statement a window reads the same index ranges without the sort that
// one statement over a json_each list of the windows needs (SQLite does
// not know that list's order), and measured 10-30% faster than it.
func (db *DB) ScanPointsAtMany(ctx context.Context, windows []VenueWindow) ([]healthcode.ScanPoint, error) {
	ws := mergeWindows(windows)
	if len(ws) == 0 {
		return []healthcode.ScanPoint{}, nil
	}
	if db.dialect.Name != "postgres" {
		var kind sql.NullString
		r := newPointReader(&kind)
		points := make([]healthcode.ScanPoint, 0, 64*len(ws))
		for _, w := range ws {
			var err error
			if points, err = db.appendPointsAt(ctx, points, r, &kind, w.venue, w.lo, w.hi); err != nil {
				return nil, err
			}
		}
		return points, nil
	}
	venues, los, his := make([]string, len(ws)), make([]int64, len(ws)), make([]int64, len(ws))
	for i, w := range ws {
		venues[i], los[i], his[i] = w.venue, w.lo, w.hi
	}
	rows, err := db.queryPoints(ctx, scanPointsAtManyQuery, venues, los, his)
	if err != nil {
		return nil, db.wrap(err, "read venue scan points")
	}
	defer rows.Close()
	var n int64
	var kind sql.NullString
	r := newPointReader(&n, &kind)
	// The points of window i are points[start[i]:start[i+1]].
	start := make([]int, len(ws)+1)
	kinds := make([]string, len(ws))
	points := make([]healthcode.ScanPoint, 0, 64*len(ws))
	last := int64(-1)
	for rows.Next() {
		pt, err := r.scan(rows)
		if err != nil {
			return nil, db.wrap(err, "read venue scan points")
		}
		if n < last || n >= int64(len(ws)) {
			return nil, healthcode.Internal(errors.New("a point out of the windows' order"), "read venue scan points")
		}
		for ; last < n; last++ {
			start[last+1] = len(points)
		}
		if kind.Valid {
			kinds[n] = kind.String
		}
		pt.VenueID = ws[n].venue
		points = append(points, pt)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "read venue scan points")
	}
	for ; last < int64(len(ws)); last++ {
		start[last+1] = len(points)
	}
	for i, kind := range kinds {
		for j := start[i]; j < start[i+1]; j++ {
			points[j].VenueKind = kind
		}
	}
	return points, nil
}

// queryPoints runs a query of points through a prepared statement.
func (db *DB) queryPoints(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// bounds returns [from, to) in microseconds, a zero to meaning no end.
func bounds(from, to time.Time) (lo, hi int64) {
	lo, hi = micros(from), micros(to)
	if to.IsZero() {
		hi = math.MaxInt64
	}
	return lo, hi
}

// venueSpan is a VenueWindow in microseconds.
type venueSpan struct {
	venue  string
	lo, hi int64
}

// mergeWindows sorts the windows by venue and start, drops the empty ones
// and merges those of a venue that overlap or touch.
func mergeWindows(windows []VenueWindow) []venueSpan {
	ws := make([]venueSpan, 0, len(windows))
	for _, w := range windows {
		lo, hi := bounds(w.From, w.To)
		if lo < hi {
			ws = append(ws, venueSpan{w.VenueID, lo, hi})
		}
	}
	slices.SortFunc(ws, func(a, b venueSpan) int {
		return cmp.Or(strings.Compare(a.venue, b.venue), cmp.Compare(a.lo, b.lo))
	})
	out := ws[:0]
	for _, w := range ws {
		if k := len(out) - 1; k >= 0 && out[k].venue == w.venue && w.lo <= out[k].hi {
			out[k].hi = max(out[k].hi, w.hi)
			continue
		}
		out = append(out, w)
	}
	return out
}

// pointReader reads the rows of points into reused buffers.
type pointReader struct {
	dest    []any
	out     int64
	region  string
	subject sql.RawBytes
	person  int64
	at      int64
	// regions are the regions read so far.
	regions interned
	// arena holds the subjects read so far.
	arena []byte
}

// The buffers the subjects are cut from start small, for the few points
// of a person, and double up to arenaMax.
const arenaMin, arenaMax = 512, 64 << 10

// newPointReader reads rows of the columns lead points to, then
// pointColumns.
func newPointReader(lead ...any) *pointReader {
	r := &pointReader{}
	r.dest = append(lead, &r.out, &r.region, &r.subject, &r.person, &r.at)
	return r
}

// scan reads a row.
func (r *pointReader) scan(rows *sql.Rows) (healthcode.ScanPoint, error) {
	if err := rows.Scan(r.dest...); err != nil {
		return healthcode.ScanPoint{}, err
	}
	pt := healthcode.ScanPoint{
		VisitPerson: healthcode.VisitPerson{Region: r.regions.getString(r.region), Subject: r.bytes(r.subject),
			PersonID: r.person},
		Direction: healthcode.DirectionIn,
		At:        fromMicros(r.at),
	}
	if r.out != 0 {
		pt.Direction = healthcode.DirectionOut
	}
	return pt, nil
}

// bytes copies b into the arena; nil for none.
func (r *pointReader) bytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	if len(b) > cap(r.arena)-len(r.arena) {
		r.arena = make([]byte, 0, max(min(2*cap(r.arena), arenaMax), arenaMin, len(b)))
	}
	start := len(r.arena)
	r.arena = append(r.arena, b...)
	return r.arena[start:len(r.arena):len(r.arena)]
}

// interned shares equal strings: the last one read is checked first, as
// rows come in runs of one venue or region.
type interned struct {
	last string
	set  map[string]string
}

// get returns the string of b, shared with every equal one before.
func (in *interned) get(b []byte) string {
	if string(b) == in.last {
		return in.last
	}
	if s, ok := in.set[string(b)]; ok {
		in.last = s
		return s
	}
	if in.set == nil {
		in.set = map[string]string{}
	}
	s := string(b)
	in.set[s], in.last = s, s
	return s
}

// getString is get for a string already read: equal ones share the first.
func (in *interned) getString(s string) string {
	if s == in.last {
		return in.last
	}
	if t, ok := in.set[s]; ok {
		in.last = t
		return t
	}
	if in.set == nil {
		in.set = map[string]string{}
	}
	in.set[s], in.last = s, s
	return s
}
