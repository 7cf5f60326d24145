package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/healthcode/healthcode"
)

// SaveOrgReport stores r as its organisation's snapshot of r.Date,
// replacing one stored before for that day (the job ran again).
func (db *DB) SaveOrgReport(ctx context.Context, r *healthcode.OrgReport) error {
	body, err := toJSON(r)
	if err != nil {
		return err
	}
	_, err = db.db.ExecContext(ctx, `INSERT INTO org_reports (org_id, day, report, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (org_id, day) DO UPDATE SET report = excluded.report, created_at = excluded.created_at`,
		r.OrgID, r.Date, body, time.Now().UnixMicro())
	return db.wrap(err, "save org report")
}

// FindOrgReport returns the snapshot of orgID for day (YYYY-MM-DD),
// ENOTFOUND when none was stored.
func (db *DB) FindOrgReport(ctx context.Context, orgID, day string) (*healthcode.OrgReport, error) {
	var body string
	err := db.queryRow(ctx, `SELECT report FROM org_reports WHERE org_id = $1 AND day = $2`, orgID, day).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("report")
	} else if err != nil {
		return nil, db.wrap(err, "find org report")
	}
	var r healthcode.OrgReport
	if err := fromJSON(body, &r); err != nil {
		return nil, err
	}
	r.AsOf = stored(r.AsOf)
	return &r, nil
}
