package sqlstore

import (
	"context"
	"time"

	"github.com/healthcode/healthcode"
)

var _ healthcode.ColourHistoryStore = (*DB)(nil)

// RecordColourHour counts the statuses by colour (countColours, the
// overview's query) and stores them as the hour's row, replacing one the
// hour has. hour is truncated to the hour.
func (db *DB) RecordColourHour(ctx context.Context, hour time.Time) (*healthcode.ColourHour, error) {
	counts, action, err := db.countColours(ctx)
	if err != nil {
		return nil, err
	}
	h := &healthcode.ColourHour{Hour: stored(hour.Truncate(time.Hour)), Green: counts[healthcode.Green],
		Yellow: counts[healthcode.Yellow], Red: counts[healthcode.Red], ActionRequired: action}
	if _, err := db.db.ExecContext(ctx, `INSERT INTO colour_history (hour, green, yellow, red, action_required, counted_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (hour) DO UPDATE SET green = excluded.green, yellow = excluded.yellow, red = excluded.red,
			action_required = excluded.action_required, counted_at = excluded.counted_at`,
		micros(h.Hour), h.Green, h.Yellow, h.Red, h.ActionRequired, micros(time.Now())); err != nil {
		return nil, db.wrap(err, "record colour hour")
	}
	return h, nil
}

// HasColourHour tells whether the hour of hour has a row.
func (db *DB) HasColourHour(ctx context.Context, hour time.Time) (bool, error) {
	var n int64
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM colour_history WHERE hour = $1`,
		micros(hour.Truncate(time.Hour))).Scan(&n); err != nil {
		return false, db.wrap(err, "find colour hour")
	}
	return n > 0, nil
}

// ColourHistory lists the rows with hour in [from, to), oldest first.
func (db *DB) ColourHistory(ctx context.Context, from, to time.Time) ([]healthcode.ColourHour, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT hour, green, yellow, red, action_required FROM colour_history
		WHERE hour >= $1 AND hour < $2 ORDER BY hour`, micros(from), micros(to))
	if err != nil {
		return nil, db.wrap(err, "colour history")
	}
	defer rows.Close()
	hs := []healthcode.ColourHour{}
	for rows.Next() {
		var h healthcode.ColourHour
		var hour int64
		if err := rows.Scan(&hour, &h.Green, &h.Yellow, &h.Red, &h.ActionRequired); err != nil {
			return nil, db.wrap(err, "colour history")
		}
		h.Hour = fromMicros(hour)
		hs = append(hs, h)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "colour history")
	}
	return hs, nil
}

// PurgeColourHistory deletes the rows of hours before cutoff.
func (db *DB) PurgeColourHistory(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM colour_history WHERE hour < $1`, micros(cutoff))
	if err != nil {
		return 0, db.wrap(err, "purge colour history")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, db.wrap(err, "purge colour history")
	}
	return n, nil
}
