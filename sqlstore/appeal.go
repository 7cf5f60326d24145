package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/healthcode/healthcode"
)

// errAppealPending answers a second appeal while one is waiting.
var errAppealPending = healthcode.Errorf(healthcode.ECONFLICT,
	"you already have a pending appeal: wait for its decision before filing another")

// CreateAppeal stores a pending appeal; the partial unique index on
// pending appeals keeps it to one per person, on every node.
func (db *DB) CreateAppeal(ctx context.Context, a *healthcode.Appeal) error {
	a.State = healthcode.AppealPending
	a.CreatedAt = stored(a.CreatedAt)
	err := db.db.QueryRowContext(ctx, `INSERT INTO appeals (person_id, reason, state, colour_at_filing, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		a.PersonID, a.Reason, string(a.State), int64(a.ColourAtFiling), micros(a.CreatedAt)).Scan(&a.ID)
	if db.dialect.Violation(err) == UniqueViolation {
		return errAppealPending
	}
	return db.wrap(err, "create appeal")
}

const appealColumns = `id, person_id, reason, state, colour_at_filing, corrected_colour, override_until,
	decision_reason, decided_by, decided_by_token, created_at, decided_at`

func (db *DB) FindAppeal(ctx context.Context, id int64) (*healthcode.Appeal, error) {
	as, err := db.queryAppeals(ctx, `SELECT `+appealColumns+` FROM appeals WHERE id = $1`, id)
	if err != nil {
		return nil, err
	} else if len(as) == 0 {
		return nil, notFound("appeal")
	}
	return as[0], nil
}

func (db *DB) ListAppeals(ctx context.Context, personID int64, limit int) ([]*healthcode.Appeal, error) {
	return db.queryAppeals(ctx, `SELECT `+appealColumns+` FROM appeals
		WHERE person_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, personID, limit)
}

func (db *DB) AppealQueue(ctx context.Context, state healthcode.AppealState, limit int) ([]*healthcode.Appeal, error) {
	return db.queryAppeals(ctx, `SELECT `+appealColumns+` FROM appeals
		WHERE state = $1 ORDER BY created_at, id LIMIT $2`, string(state), limit)
}

// DecideAppeal writes the decision, the audit entry and, when accepted,
// the person's status marked due, all in one transaction: the decision is
// never stored without its audit entry, and the next read of the status
// already applies the override.
func (db *DB) DecideAppeal(ctx context.Context, d *healthcode.AppealDecision, by *healthcode.Caller, decidedAt time.Time, entry *healthcode.AuditEntry) (*healthcode.Appeal, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.wrap(err, "begin decide appeal")
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+appealColumns+` FROM appeals WHERE id = $1`+db.dialect.ForUpdate, d.AppealID)
	if err != nil {
		return nil, db.wrap(err, "read appeal")
	}
	as, err := db.scanAppeals(rows)
	if err != nil {
		return nil, err
	} else if len(as) == 0 {
		return nil, notFound("appeal")
	}
	a := as[0]
	if a.State != healthcode.AppealPending {
		return nil, healthcode.Errorf(healthcode.ECONFLICT, "appeal %d was already %s on %s", a.ID, a.State, a.DecidedAt.Format(time.RFC3339))
	}
	a.State, a.DecisionReason, a.DecidedBy, a.DecidedByToken, a.DecidedAt =
		healthcode.AppealRejected, d.Reason, by.Name, by.TokenID, stored(decidedAt)
	corrected := sql.NullInt64{}
	if d.Accept {
		a.State, a.CorrectedColour, a.OverrideUntil = healthcode.AppealAccepted, d.Colour, stored(d.Until)
		corrected = sql.NullInt64{Int64: int64(d.Colour), Valid: true}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE appeals SET state = $2, corrected_colour = $3, override_until = $4,
			decision_reason = $5, decided_by = $6, decided_by_token = $7, decided_at = $8 WHERE id = $1`,
		a.ID, string(a.State), corrected, micros(a.OverrideUntil), a.DecisionReason, a.DecidedBy, a.DecidedByToken, micros(a.DecidedAt)); err != nil {
		return nil, db.wrap(err, "decide appeal")
	}
	if d.Accept {
		if err := db.markStatusDue(ctx, tx, a.PersonID, a.DecidedAt); err != nil {
			return nil, err
		}
	}
	if entry != nil {
		entry.PersonID = a.PersonID
		if err := db.appendAudit(ctx, tx, []*healthcode.AuditEntry{entry}); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, db.wrap(err, "commit decide appeal")
	}
	return a, nil
}

// markStatusDue marks the person's status due at at, so the next read and
// the recompute see the decision.
func (db *DB) markStatusDue(ctx context.Context, tx *sql.Tx, personID int64, at time.Time) error {
	_, err := markDue(ctx, tx, at, `SELECT person_id FROM statuses WHERE person_id = $2`, personID)
	return db.wrap(err, "mark status due")
}

func (db *DB) queryAppeals(ctx context.Context, query string, args ...any) ([]*healthcode.Appeal, error) {
	rows, err := db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, db.wrap(err, "query appeals")
	}
	return db.scanAppeals(rows)
}

func (db *DB) scanAppeals(rows *sql.Rows) ([]*healthcode.Appeal, error) {
	defer rows.Close()
	var as []*healthcode.Appeal
	for rows.Next() {
		var a healthcode.Appeal
		var state string
		var filing int64
		var corrected sql.NullInt64
		var until, created, decided int64
		if err := rows.Scan(&a.ID, &a.PersonID, &a.Reason, &state, &filing, &corrected, &until,
			&a.DecisionReason, &a.DecidedBy, &a.DecidedByToken, &created, &decided); err != nil {
			return nil, db.wrap(err, "scan appeal")
		}
		a.State, a.ColourAtFiling = healthcode.AppealState(state), healthcode.Colour(filing)
		a.CorrectedColour = healthcode.Colour(corrected.Int64)
		a.OverrideUntil, a.CreatedAt, a.DecidedAt = fromMicros(until), fromMicros(created), fromMicros(decided)
		as = append(as, &a)
	}
	return as, db.wrap(rows.Err(), "scan appeals")
}
