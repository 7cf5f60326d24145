package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/healthcode/healthcode"
)

var _ healthcode.OverviewStore = (*DB)(nil)

// overviewSlack is how long before a window's start a scan in it may have
// been received at the earliest: a device whose clock ran ahead. Scans
// are read from the first id received after the start less the slack.
const overviewSlack = time.Hour

// RegionOverview counts the statuses by colour (one pass over the
// statuses, no index) and sums the scans of the window. The scan log has
// no index by time, but its ids grow with received_at, which is never
// before at (save a device's fast clock): the first id of the window is
// found by a binary search over the primary key, and only the ids from
// there are read, as two grouped queries.
func (db *DB) RegionOverview(ctx context.Context, from, to time.Time, top int) (*healthcode.RegionOverview, error) {
	o := &healthcode.RegionOverview{Colours: map[string]int64{}, From: stored(from), To: stored(to),
		EntryColours: map[string]int64{}, Denials: map[string]int64{}, Busiest: []healthcode.VenueCount{}}
	colours, action, err := db.countColours(ctx)
	if err != nil {
		return nil, err
	}
	for c, n := range colours {
		o.Colours[c.String()] += n
	}
	o.ActionRequired = action

	lo, err := db.firstScanReceived(ctx, micros(from.Add(-overviewSlack)))
	if err != nil {
		return nil, db.wrap(err, "overview scans")
	}
	f, t := micros(from), micros(to)
	hours := map[int64]*healthcode.HourScans{}
	for h := f - f%hourMicros; h < t; h += hourMicros {
		hours[h] = &healthcode.HourScans{Hour: fromMicros(h)}
	}
	rows, err := db.db.QueryContext(ctx, `SELECT at - at % $4, verdict, direction, colour, reasons, count(*) FROM scans
		WHERE id >= $1 AND at >= $2 AND at < $3 GROUP BY 1, 2, 3, 4, 5`, lo, f, t, hourMicros)
	if err != nil {
		return nil, db.wrap(err, "overview scans")
	}
	for rows.Next() {
		var hour, colour, n int64
		var verdict, direction, reasons string
		if err := rows.Scan(&hour, &verdict, &direction, &colour, &reasons, &n); err != nil {
			rows.Close()
			return nil, db.wrap(err, "overview scans")
		}
		h := hours[hour]
		if h == nil {
			h = &healthcode.HourScans{Hour: fromMicros(hour)}
			hours[hour] = h
		}
		switch {
		case verdict == healthcode.VerdictDeny:
			h.Denied += n
			for _, code := range splitReasons(reasons) {
				o.Denials[code] += n
			}
		case verdict == healthcode.VerdictPass && direction == healthcode.DirectionIn:
			h.Passed += n
			o.EntryColours[healthcode.Colour(colour).String()] += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "overview scans")
	}
	for _, h := range hours {
		o.ScansPerHour = append(o.ScansPerHour, *h)
	}
	slices.SortFunc(o.ScansPerHour, func(a, b healthcode.HourScans) int { return a.Hour.Compare(b.Hour) })

	if top > 0 {
		rows, err = db.db.QueryContext(ctx, `SELECT venue_id,
				sum(CASE WHEN verdict = 'pass' AND direction = 'in' THEN 1 ELSE 0 END) AS entries,
				sum(CASE WHEN verdict = 'deny' THEN 1 ELSE 0 END)
			FROM scans WHERE id >= $1 AND at >= $2 AND at < $3
			GROUP BY venue_id ORDER BY entries DESC, venue_id LIMIT $4`, lo, f, t, int64(top))
		if err != nil {
			return nil, db.wrap(err, "busiest venues")
		}
		for rows.Next() {
			var v healthcode.VenueCount
			if err := rows.Scan(&v.VenueID, &v.Entries, &v.Denied); err != nil {
				rows.Close()
				return nil, db.wrap(err, "busiest venues")
			}
			o.Busiest = append(o.Busiest, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, db.wrap(err, "busiest venues")
		}
		if len(o.Busiest) > 0 {
			ids := make([]string, len(o.Busiest))
			for i, v := range o.Busiest {
				ids[i] = v.VenueID
			}
			vs, err := db.ListVenues(ctx, healthcode.VenueFilter{IDs: ids, Limit: len(ids)})
			if err != nil {
				return nil, err
			}
			for _, v := range vs {
				i := slices.IndexFunc(o.Busiest, func(c healthcode.VenueCount) bool { return c.VenueID == v.ID })
				o.Busiest[i].Name = v.Name
			}
			slices.SortStableFunc(o.Busiest, func(a, b healthcode.VenueCount) int { return cmp.Compare(b.Entries, a.Entries) })
		}
	}
	return o, nil
}

// firstScanReceived returns the smallest id from which every scan was
// received at cutoff or later (ids grow with received_at), by a binary
// search of the primary key: a few dozen one-row reads.
func (db *DB) firstScanReceived(ctx context.Context, cutoff int64) (int64, error) {
	var lo, hi int64
	var minID, maxID *int64
	if err := db.db.QueryRowContext(ctx, `SELECT min(id), max(id) FROM scans`).Scan(&minID, &maxID); err != nil {
		return 0, err
	}
	if minID == nil {
		return 0, nil
	}
	lo, hi = *minID, *maxID+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		var id, received int64
		if err := db.db.QueryRowContext(ctx, `SELECT id, received_at FROM scans WHERE id >= $1 ORDER BY id LIMIT 1`, mid).
			Scan(&id, &received); errors.Is(err, sql.ErrNoRows) {
			hi = mid // purged meanwhile
			continue
		} else if err != nil {
			return 0, err
		}
		if received < cutoff {
			lo = id + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// countColours counts the stored statuses by colour, and those that ask
// the person to act: one pass over the statuses (no index), shared by the
// overview and the hourly colour history.
func (db *DB) countColours(ctx context.Context) (map[healthcode.Colour]int64, int64, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT colour, count(*), sum(CASE WHEN action_required THEN 1 ELSE 0 END)
		FROM statuses GROUP BY colour`)
	if err != nil {
		return nil, 0, db.wrap(err, "count colours")
	}
	defer rows.Close()
	counts := map[healthcode.Colour]int64{}
	var action int64
	for rows.Next() {
		var colour, n, a int64
		if err := rows.Scan(&colour, &n, &a); err != nil {
			return nil, 0, db.wrap(err, "count colours")
		}
		counts[healthcode.Colour(colour)] += n
		action += a
	}
	if err := rows.Err(); err != nil {
		return nil, 0, db.wrap(err, "count colours")
	}
	return counts, action, nil
}
