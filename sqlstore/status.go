package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/healthcode/healthcode"
)

// SaveStatus keeps the whole status as JSON and copies what is queried
// (colour, re-evaluation time) into indexed columns.
func (db *DB) SaveStatus(ctx context.Context, personID int64, s *healthcode.Status) error {
	js, err := toJSON(s)
	if err != nil {
		return err
	}
	_, err = db.db.ExecContext(ctx, `INSERT INTO statuses (person_id, colour, action_required, reevaluate_at, status, evaluated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (person_id) DO UPDATE SET colour = excluded.colour, action_required = excluded.action_required,
			reevaluate_at = excluded.reevaluate_at, status = excluded.status, evaluated_at = excluded.evaluated_at`,
		personID, int64(s.Colour), s.ActionRequired, nullMicros(s.ReevaluateAt), js, micros(s.EvaluatedAt))
	return db.wrap(err, "save status")
}

func (db *DB) FindStatus(ctx context.Context, personID int64) (*healthcode.Status, error) {
	var js string
	var due sql.NullInt64
	err := db.queryRow(ctx, `SELECT status, reevaluate_at FROM statuses WHERE person_id = $1`, personID).Scan(&js, &due)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("status")
	} else if err != nil {
		return nil, db.wrap(err, "find status")
	}
	return decodeStatus(js, due)
}

// decodeStatus reads a stored status. The reevaluate_at column, not the
// JSON, says when it is due: imports, risk-area changes and decisions mark
// statuses due by setting the column alone, and a reader must then see the
// status as stale and evaluate it again.
func decodeStatus(js string, due sql.NullInt64) (*healthcode.Status, error) {
	var s healthcode.Status
	if err := fromJSON(js, &s); err != nil {
		return nil, err
	}
	normaliseStatus(&s)
	s.ReevaluateAt = time.Time{}
	if due.Valid {
		s.ReevaluateAt = fromMicros(due.Int64)
	}
	return &s, nil
}

// normaliseStatus returns the times of s in UTC at microsecond precision,
// like every other time the store gives back.
func normaliseStatus(s *healthcode.Status) {
	s.Since, s.ReevaluateAt, s.EvaluatedAt = stored(s.Since), stored(s.ReevaluateAt), stored(s.EvaluatedAt)
	for i := range s.Reasons {
		s.Reasons[i].Since = stored(s.Reasons[i].Since)
	}
	if s.LatestTest != nil {
		s.LatestTest.SampledAt = stored(s.LatestTest.SampledAt)
	}
}

// DueStatuses returns the people whose re-evaluation time has come, the
// most overdue first. A status with no re-evaluation time is never due.
func (db *DB) DueStatuses(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT person_id FROM statuses
		WHERE reevaluate_at IS NOT NULL AND reevaluate_at <= $1 ORDER BY reevaluate_at LIMIT $2`, micros(now), limit)
	if err != nil {
		return nil, db.wrap(err, "due statuses")
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, db.wrap(err, "scan due status")
		}
		ids = append(ids, id)
	}
	return ids, db.wrap(rows.Err(), "due statuses")
}
