package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/healthcode/healthcode"
)

const resumptionColumns = `a.id, a.org_id, o.name, a.state, a.applied_at, a.applied_by, a.members, a.ready,
	a.evaluated_at, a.approved_at, a.approved_share`

const resumptionFrom = ` FROM resumption_applications a JOIN orgs o ON o.id = a.org_id`

// CreateResumption stores a as a pending application and sets its ID and
// OrgName; an organisation has one application, so when orgID has one
// already it is returned as stored, with created false.
func (db *DB) CreateResumption(ctx context.Context, a *healthcode.ResumptionApplication) (*healthcode.ResumptionApplication, bool, error) {
	a.AppliedAt = stored(a.AppliedAt)
	a.State = healthcode.ResumptionPending
	var id int64
	err := db.db.QueryRowContext(ctx, `INSERT INTO resumption_applications (org_id, state, applied_at, applied_by)
		VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO NOTHING RETURNING id`,
		a.OrgID, a.State, micros(a.AppliedAt), a.AppliedBy).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		got, err := db.FindResumption(ctx, a.OrgID)
		return got, false, err
	} else if err != nil {
		return nil, false, db.wrap(err, "create resumption application")
	}
	got, err := db.FindResumption(ctx, a.OrgID)
	return got, true, err
}

// FindResumption returns orgID's application, ENOTFOUND when none.
func (db *DB) FindResumption(ctx context.Context, orgID string) (*healthcode.ResumptionApplication, error) {
	a, err := scanResumption(db.queryRow(ctx, `SELECT `+resumptionColumns+resumptionFrom+` WHERE a.org_id = $1`, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("resumption application")
	} else if err != nil {
		return nil, db.wrap(err, "find resumption application")
	}
	return a, nil
}

// ListResumptions lists the applications in state ("" for all) in the
// order they were made.
func (db *DB) ListResumptions(ctx context.Context, state string) ([]*healthcode.ResumptionApplication, error) {
	q, args := `SELECT `+resumptionColumns+resumptionFrom, []any{}
	if state != "" {
		q, args = q+` WHERE a.state = $1`, append(args, state)
	}
	rows, err := db.db.QueryContext(ctx, q+` ORDER BY a.id`, args...)
	if err != nil {
		return nil, db.wrap(err, "list resumption applications")
	}
	defer rows.Close()
	list := []*healthcode.ResumptionApplication{}
	for rows.Next() {
		a, err := scanResumption(rows)
		if err != nil {
			return nil, db.wrap(err, "list resumption applications")
		}
		list = append(list, a)
	}
	return list, db.wrap(rows.Err(), "list resumption applications")
}

// EvaluateResumption records the counts of an evaluation of a.ID and, when
// approve, approves it if still pending, in one statement: of two nodes
// evaluating at once, one approves and the other only records its counts.
// An approved application keeps the share and time it was approved with.
func (db *DB) EvaluateResumption(ctx context.Context, a *healthcode.ResumptionApplication, approve bool) (bool, error) {
	a.EvaluatedAt = stored(a.EvaluatedAt)
	if approve {
		res, err := db.db.ExecContext(ctx, `UPDATE resumption_applications
			SET members = $1, ready = $2, evaluated_at = $3, state = $4, approved_at = $3, approved_share = $5
			WHERE id = $6 AND state = $7`,
			int64(a.Members), int64(a.Ready), micros(a.EvaluatedAt), healthcode.ResumptionApproved, a.Share(),
			a.ID, healthcode.ResumptionPending)
		if err != nil {
			return false, db.wrap(err, "approve resumption application")
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, db.wrap(err, "approve resumption application")
		} else if n == 1 {
			a.State, a.ApprovedAt, a.ApprovedShare = healthcode.ResumptionApproved, a.EvaluatedAt, a.Share()
			return true, nil
		}
	}
	_, err := db.db.ExecContext(ctx, `UPDATE resumption_applications SET members = $1, ready = $2, evaluated_at = $3 WHERE id = $4`,
		int64(a.Members), int64(a.Ready), micros(a.EvaluatedAt), a.ID)
	return false, db.wrap(err, "evaluate resumption application")
}

// ResumptionThreshold returns the threshold, the default when never set.
func (db *DB) ResumptionThreshold(ctx context.Context) (*healthcode.ResumptionThreshold, error) {
	t := healthcode.ResumptionThreshold{Share: healthcode.DefaultResumptionThreshold}
	var at int64
	err := db.queryRow(ctx, `SELECT share, updated_at, updated_by FROM resumption_threshold WHERE id = 1`).
		Scan(&t.Share, &at, &t.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return &t, nil
	} else if err != nil {
		return nil, db.wrap(err, "read resumption threshold")
	}
	t.UpdatedAt = fromMicros(at)
	return &t, nil
}

// SetResumptionThreshold replaces the threshold.
func (db *DB) SetResumptionThreshold(ctx context.Context, t *healthcode.ResumptionThreshold) error {
	t.UpdatedAt = stored(t.UpdatedAt)
	_, err := db.db.ExecContext(ctx, `INSERT INTO resumption_threshold (id, share, updated_at, updated_by) VALUES (1, $1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET share = excluded.share, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		t.Share, micros(t.UpdatedAt), t.UpdatedBy)
	return db.wrap(err, "set resumption threshold")
}

func scanResumption(r rowScanner) (*healthcode.ResumptionApplication, error) {
	var a healthcode.ResumptionApplication
	var applied, evaluated, approved, members, ready int64
	if err := r.Scan(&a.ID, &a.OrgID, &a.OrgName, &a.State, &applied, &a.AppliedBy, &members, &ready,
		&evaluated, &approved, &a.ApprovedShare); err != nil {
		return nil, err
	}
	a.AppliedAt, a.EvaluatedAt, a.ApprovedAt = fromMicros(applied), fromMicros(evaluated), fromMicros(approved)
	a.Members, a.Ready = int(members), int(ready)
	return &a, nil
}
