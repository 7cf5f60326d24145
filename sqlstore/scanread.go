package sqlstore

import (
	"container/heap"
	"context"
	"database/sql"
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// DefaultScanLimit is how many scans a listing returns when its window
// sets no limit.
const DefaultScanLimit = 10_000

// window returns w's bounds in microseconds, a zero To meaning no end, and
// its limit.
func window(w healthcode.ScanWindow) (from, to int64, limit int64) {
	from, to = micros(w.From), micros(w.To)
	if w.To.IsZero() {
		to = math.MaxInt64
	}
	limit = int64(w.Limit)
	if limit <= 0 {
		limit = DefaultScanLimit
	}
	return from, to, limit
}

// VenueScans lists the scans at a venue with At in [w.From, w.To), oldest
// first, at most w.Limit (0: DefaultScanLimit); a zero To sets no end.
func (db *DB) VenueScans(ctx context.Context, venueID string, w healthcode.ScanWindow) ([]*healthcode.Scan, error) {
	from, to, limit := window(w)
	return db.listScans(ctx, `SELECT `+scanColumns+` FROM scans WHERE venue_id = $1 AND at >= $2 AND at < $3
		ORDER BY at, id LIMIT $4`, venueID, from, to, limit)
}

// SubjectScans lists the scans of a person (region and subject) like
// VenueScans.
func (db *DB) SubjectScans(ctx context.Context, region string, subject []byte, w healthcode.ScanWindow) ([]*healthcode.Scan, error) {
	from, to, limit := window(w)
	return db.listScans(ctx, `SELECT `+scanColumns+` FROM scans WHERE subject = $1 AND region = $2 AND at >= $3 AND at < $4
		ORDER BY at, id LIMIT $5`, nonNil(subject), region, from, to, limit)
}

func (db *DB) listScans(ctx context.Context, query string, args ...any) ([]*healthcode.Scan, error) {
	s, err := db.prepared(ctx, query)
	if err != nil {
		return nil, db.wrap(err, "list scans")
	}
	rows, err := s.QueryContext(ctx, args...)
	if err != nil {
		return nil, db.wrap(err, "list scans")
	}
	defer rows.Close()
	scans := []*healthcode.Scan{}
	for rows.Next() {
		var s healthcode.Scan
		var colour, at, received int64
		var reasons string
		if err := rows.Scan(&s.ID, &s.VenueID, &s.DeviceID, &s.Seq, &s.Source, &s.Direction, &s.Region, &s.Subject,
			&s.PersonID, &colour, &s.Verdict, &reasons, &at, &received, &s.ClockSkew); err != nil {
			return nil, db.wrap(err, "list scans")
		}
		if len(s.Subject) == 0 {
			s.Subject = nil // a code that could not be read
		}
		s.Colour = healthcode.Colour(colour)
		s.Reasons = splitReasons(reasons)
		s.At, s.ReceivedAt = fromMicros(at), fromMicros(received)
		scans = append(scans, &s)
	}
	return scans, db.wrap(rows.Err(), "list scans")
}

// splitReasons reads the comma-separated deny codes; nil for none.
func splitReasons(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Occupancy counts the presences at the venue younger than its maximum
// stay at now; ENOTFOUND when there is no such venue.
func (db *DB) Occupancy(ctx context.Context, venueID string, now time.Time) (int, error) {
	var n int64
	err := db.queryRow(ctx, `SELECT (SELECT count(*) FROM venue_presence p
			WHERE p.venue_id = v.id AND p.entered_at > $2 - v.max_stay)
		FROM venues v WHERE v.id = $1`, venueID, micros(now)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("venue")
	} else if err != nil {
		return 0, db.wrap(err, "count occupancy")
	}
	return int(n), nil
}

// VenueStats sums the venue's scans with At in w (a zero To sets no end;
// w.Limit is not used: every scan counts). EntriesPerHour lists, in order,
// the UTC hours with at least one passed entry. PeakOccupancy replays the
// passed entries and exits of the window in time order, starting empty: a
// person entering again counts once, an entry older than the venue's
// maximum stay leaves. Colours counts the passed entries by colour name,
// Denials the deny codes of refused scans (a scan with two codes counts
// under both). ENOTFOUND when there is no such venue.
func (db *DB) VenueStats(ctx context.Context, venueID string, w healthcode.ScanWindow) (*healthcode.VenueStats, error) {
	var maxStay int64
	err := db.queryRow(ctx, `SELECT max_stay FROM venues WHERE id = $1`, venueID).Scan(&maxStay)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("venue")
	} else if err != nil {
		return nil, db.wrap(err, "venue stats")
	}
	from, to, _ := window(w)
	s, err := db.prepared(ctx, `SELECT direction, region, subject, colour, verdict, reasons, at FROM scans
		WHERE venue_id = $1 AND at >= $2 AND at < $3 ORDER BY at, id`)
	if err != nil {
		return nil, db.wrap(err, "venue stats")
	}
	rows, err := s.QueryContext(ctx, venueID, from, to)
	if err != nil {
		return nil, db.wrap(err, "venue stats")
	}
	defer rows.Close()
	st := &healthcode.VenueStats{VenueID: venueID, From: stored(w.From), To: stored(w.To),
		EntriesPerHour: []healthcode.HourCount{}, Colours: map[string]int64{}, Denials: map[string]int64{}}
	hours := map[int64]int64{}
	peak := newPeak(maxStay)
	for rows.Next() {
		var direction, region, verdict, reasons string
		var subject []byte
		var colour, at int64
		if err := rows.Scan(&direction, &region, &subject, &colour, &verdict, &reasons, &at); err != nil {
			return nil, db.wrap(err, "venue stats")
		}
		switch {
		case verdict == healthcode.VerdictDeny:
			for _, code := range splitReasons(reasons) {
				st.Denials[code]++
			}
		case verdict != healthcode.VerdictPass:
		case direction == healthcode.DirectionIn:
			hours[at-at%hourMicros]++
			st.Colours[healthcode.Colour(colour).String()]++
			peak.enter(region+"\x00"+string(subject), at)
		case direction == healthcode.DirectionOut:
			peak.leave(region+"\x00"+string(subject), at)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "venue stats")
	}
	for _, h := range slices.Sorted(maps.Keys(hours)) {
		st.EntriesPerHour = append(st.EntriesPerHour, healthcode.HourCount{Hour: fromMicros(h), Entries: hours[h]})
	}
	st.PeakOccupancy = peak.peak
	return st, nil
}

const hourMicros = int64(time.Hour / time.Microsecond)

// peakReplay replays entries and exits in time order and keeps the largest
// number of people inside.
type peakReplay struct {
	maxStay int64
	inside  map[string]int64 // person → entered at
	expiry  entryHeap        // entries by time, some stale
	peak    int
}

func newPeak(maxStay int64) *peakReplay {
	return &peakReplay{maxStay: maxStay, inside: map[string]int64{}}
}

// expire removes the entries that reached the maximum stay by at.
func (p *peakReplay) expire(at int64) {
	for len(p.expiry) > 0 && p.expiry[0].at <= at-p.maxStay {
		e := heap.Pop(&p.expiry).(entry)
		if entered, ok := p.inside[e.person]; ok && entered == e.at {
			delete(p.inside, e.person)
		}
	}
}

func (p *peakReplay) enter(person string, at int64) {
	p.expire(at)
	p.inside[person] = at
	heap.Push(&p.expiry, entry{person, at})
	p.peak = max(p.peak, len(p.inside))
}

func (p *peakReplay) leave(person string, at int64) {
	p.expire(at)
	delete(p.inside, person)
}

type entry struct {
	person string
	at     int64
}

type entryHeap []entry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h entryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *entryHeap) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// PurgeScans deletes up to limit scans (0: DefaultScanLimit) received
// before before, walking from the smallest id (ids grow with the time a
// scan is received) and stopping at the first younger scan, so no index on
// received_at is needed. It also deletes the presences entered more than
// healthcode.MaxVenueMaxStay before before: older than any venue's
// maximum stay, they count nowhere. It returns how many scans it deleted.
func (db *DB) PurgeScans(ctx context.Context, before time.Time, limit int) (int64, error) {
	if limit <= 0 {
		limit = DefaultScanLimit
	}
	defer db.lockWrites()()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, db.wrap(err, "begin purge")
	}
	defer tx.Rollback()
	cutoff := micros(before)
	last, err := oldestRun(ctx, tx, cutoff, limit)
	if err != nil {
		return 0, db.wrap(err, "purge scans")
	}
	var n int64
	if last > 0 {
		// received_at guards scans that another node committed with a
		// smaller id after the walk.
		res, err := tx.ExecContext(ctx, `DELETE FROM scans WHERE id <= $1 AND received_at < $2`, last, cutoff)
		if err != nil {
			return 0, db.wrap(err, "purge scans")
		}
		if n, err = res.RowsAffected(); err != nil {
			return 0, db.wrap(err, "purge scans")
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM venue_presence WHERE venue_id IN (SELECT id FROM venues)
		AND entered_at < $1`, cutoff-int64(healthcode.MaxVenueMaxStay/time.Microsecond)); err != nil {
		return 0, db.wrap(err, "purge presences")
	}
	if err := tx.Commit(); err != nil {
		return 0, db.wrap(err, "commit purge")
	}
	return n, nil
}

// oldestRun walks up to limit scans from the smallest id and returns the
// id of the last one of the run received before cutoff; 0 when the
// first scan is younger or there is none.
func oldestRun(ctx context.Context, tx *sql.Tx, cutoff int64, limit int) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, received_at FROM scans ORDER BY id LIMIT $1`, int64(limit))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var last int64
	for rows.Next() {
		var id, received int64
		if err := rows.Scan(&id, &received); err != nil {
			return 0, err
		}
		if received >= cutoff {
			break
		}
		last = id
	}
	return last, rows.Err()
}
