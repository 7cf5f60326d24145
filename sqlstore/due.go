package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// Due marks (table status_due): whoever changes a person's facts marks the
// person's status due in the same transaction; readers treat a marked
// status as stale, and the recompute evaluates it and deletes the mark.

// execer is what marking needs of a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// markDue marks due at `at` every person that selectIDs yields. selectIDs
// is a SELECT of one column, person_id, whose own parameters start at $2.
func markDue(ctx context.Context, tx execer, at time.Time, selectIDs string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO status_due (person_id, due_at)
		SELECT DISTINCT m.person_id, CAST($1 AS BIGINT) FROM (`+selectIDs+`) m WHERE true
		ON CONFLICT (person_id) DO UPDATE SET due_at = excluded.due_at`,
		append([]any{micros(at)}, args...)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// MarkAllDue marks every stored status due at now, so the recompute and
// the next read judge each again: after a change of the region's policy,
// whose version a status need not tell apart (the text may change alone).
func (db *DB) MarkAllDue(ctx context.Context, now time.Time) (int64, error) {
	n, err := markDue(ctx, db.db, now, `SELECT person_id FROM statuses`)
	return n, db.wrap(err, "mark every status due")
}

// dueAt is when a stored status is due: the earlier of its own
// re-evaluation time and its mark; zero when neither is set.
func dueAt(own, mark sql.NullInt64) time.Time {
	switch {
	case own.Valid && mark.Valid:
		return fromMicros(min(own.Int64, mark.Int64))
	case own.Valid:
		return fromMicros(own.Int64)
	case mark.Valid:
		return fromMicros(mark.Int64)
	}
	return time.Time{}
}
