package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/healthcode/healthcode"
)

const staffTokenColumns = `id, role, name, venue_id, data_kind, region, token_hash, created_at, revoked_at, org_id, org_unit`

// CreateStaffToken stores t and sets t.ID; ECONFLICT when the hash exists.
func (db *DB) CreateStaffToken(ctx context.Context, t *healthcode.StaffToken) error {
	err := db.db.QueryRowContext(ctx, `INSERT INTO staff_tokens (role, name, venue_id, data_kind, region, token_hash, created_at, revoked_at, org_id, org_unit)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		string(t.Role), t.Name, t.VenueID, t.DataKind, t.Region, nonNil(t.TokenHash), micros(t.CreatedAt), micros(t.RevokedAt), t.OrgID, t.OrgUnit).Scan(&t.ID)
	return db.wrap(err, "create staff token")
}

func (db *DB) FindStaffToken(ctx context.Context, tokenHash []byte) (*healthcode.StaffToken, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+staffTokenColumns+` FROM staff_tokens
		WHERE token_hash = $1 AND revoked_at = 0`, nonNil(tokenHash))
	if err != nil {
		return nil, db.wrap(err, "find staff token")
	}
	ts, err := db.scanStaffTokens(rows)
	if err != nil {
		return nil, err
	} else if len(ts) == 0 {
		return nil, notFound("staff token")
	}
	return ts[0], nil
}

// ListStaffTokens returns every token, revoked ones too, oldest first.
func (db *DB) ListStaffTokens(ctx context.Context) ([]*healthcode.StaffToken, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+staffTokenColumns+` FROM staff_tokens ORDER BY id`)
	if err != nil {
		return nil, db.wrap(err, "list staff tokens")
	}
	return db.scanStaffTokens(rows)
}

func (db *DB) scanStaffTokens(rows *sql.Rows) ([]*healthcode.StaffToken, error) {
	defer rows.Close()
	var ts []*healthcode.StaffToken
	for rows.Next() {
		var t healthcode.StaffToken
		var role string
		var created, revoked int64
		if err := rows.Scan(&t.ID, &role, &t.Name, &t.VenueID, &t.DataKind, &t.Region, &t.TokenHash, &created, &revoked, &t.OrgID, &t.OrgUnit); err != nil {
			return nil, db.wrap(err, "scan staff token")
		}
		t.Role, t.CreatedAt, t.RevokedAt = healthcode.Role(role), fromMicros(created), fromMicros(revoked)
		ts = append(ts, &t)
	}
	return ts, db.wrap(rows.Err(), "scan staff tokens")
}

// RevokeStaffToken keeps the first revocation time when revoked again.
func (db *DB) RevokeStaffToken(ctx context.Context, id int64, now time.Time) error {
	res, err := db.db.ExecContext(ctx, `UPDATE staff_tokens
		SET revoked_at = CASE WHEN revoked_at = 0 THEN $2 ELSE revoked_at END WHERE id = $1`, id, micros(now))
	if err != nil {
		return db.wrap(err, "revoke staff token")
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(err, "revoke staff token")
	} else if n == 0 {
		return notFound("staff token")
	}
	return nil
}
