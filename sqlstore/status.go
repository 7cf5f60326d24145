package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/healthcode/healthcode"
)

// SaveStatus keeps the whole status encoded (see marshalStatus) and copies
// what is queried (colour, re-evaluation time) into indexed columns.
func (db *DB) SaveStatus(ctx context.Context, personID int64, s *healthcode.Status) error {
	raw, err := marshalStatus(s)
	if err != nil {
		return err
	}
	// The person's memberships show part of the status (org_facts.go):
	// both change together.
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "begin save status")
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO statuses (person_id, colour, action_required, reevaluate_at, status, evaluated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (person_id) DO UPDATE SET colour = excluded.colour, action_required = excluded.action_required,
			reevaluate_at = excluded.reevaluate_at, status = excluded.status, evaluated_at = excluded.evaluated_at`,
		personID, int64(s.Colour), s.ActionRequired, nullMicros(s.ReevaluateAt), raw, micros(s.EvaluatedAt))
	if err != nil {
		return db.wrap(err, "save status")
	}
	if err := db.setMemberFacts(ctx, tx, personID, s); err != nil {
		return err
	}
	return db.wrap(tx.Commit(), "commit status")
}

func (db *DB) FindStatus(ctx context.Context, personID int64) (*healthcode.Status, error) {
	var raw []byte
	var own, mark sql.NullInt64
	err := db.queryRow(ctx, `SELECT s.status, s.reevaluate_at, d.due_at FROM statuses s
		LEFT JOIN status_due d ON d.person_id = s.person_id WHERE s.person_id = $1`, personID).Scan(&raw, &own, &mark)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("status")
	} else if err != nil {
		return nil, db.wrap(err, "find status")
	}
	return decodeStatus(raw, own, mark)
}

// decodeStatus reads a stored status. The columns, not the encoded status,
// say when it is due: its own re-evaluation time, or a due mark set by an
// import, a risk-area change or a decision; a reader must then see the
// status as stale and evaluate it again.
func decodeStatus(raw []byte, own, mark sql.NullInt64) (*healthcode.Status, error) {
	var s healthcode.Status
	if err := unmarshalStatus(raw, &s); err != nil {
		return nil, err
	}
	s.ReevaluateAt = dueAt(own, mark)
	return &s, nil
}

// normaliseStatus returns the times of s in UTC at microsecond precision,
// like every other time the store gives back; a CBOR status decodes so
// already, a JSON one (written before CBOR) needs it.
func normaliseStatus(s *healthcode.Status) {
	s.Since, s.ReevaluateAt, s.EvaluatedAt = stored(s.Since), stored(s.ReevaluateAt), stored(s.EvaluatedAt)
	for i := range s.Reasons {
		s.Reasons[i].Since = stored(s.Reasons[i].Since)
	}
	if s.LatestTest != nil {
		s.LatestTest.SampledAt = stored(s.LatestTest.SampledAt)
	}
}
