package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/healthcode/healthcode"
)

// CreateOrgInvitation stores inv, of which only the code's keyed hash is
// kept.
func (db *DB) CreateOrgInvitation(ctx context.Context, inv *healthcode.OrgInvitation) error {
	inv.CreatedAt, inv.ExpiresAt = stored(inv.CreatedAt), stored(inv.ExpiresAt)
	_, err := db.db.ExecContext(ctx, `INSERT INTO org_invitations (code_hash, org_id, unit, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5)`, inv.CodeHash, inv.OrgID, inv.Unit, micros(inv.ExpiresAt), micros(inv.CreatedAt))
	return db.wrap(err, "create org invitation")
}

// FindOrgInvitation returns the invitation with codeHash that has not
// expired at now; ENOTFOUND otherwise.
func (db *DB) FindOrgInvitation(ctx context.Context, codeHash []byte, now time.Time) (*healthcode.OrgInvitation, error) {
	inv := healthcode.OrgInvitation{CodeHash: codeHash}
	var expires, created int64
	err := db.queryRow(ctx, `SELECT org_id, unit, expires_at, created_at FROM org_invitations
		WHERE code_hash = $1 AND expires_at > $2`, nonNil(codeHash), micros(now)).Scan(&inv.OrgID, &inv.Unit, &expires, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("invitation")
	} else if err != nil {
		return nil, db.wrap(err, "find org invitation")
	}
	inv.ExpiresAt, inv.CreatedAt = fromMicros(expires), fromMicros(created)
	return &inv, nil
}
