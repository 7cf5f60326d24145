package node

import (
	"context"
	"time"

	"github.com/healthcode/healthcode"
)

// TokenAdmin is the admin's page of staff tokens: list, create (the
// token shown once) and revoke, as `healthcode token` does on the command
// line. Only admins.
type TokenAdmin struct {
	Store healthcode.Store
	Now   func() time.Time
}

var errAdminsOnly = healthcode.Errorf(healthcode.EFORBIDDEN, "only admins manage tokens")

// List lists every token, revoked ones too, newest last.
func (a *TokenAdmin) List(ctx context.Context, caller *healthcode.Caller) ([]*healthcode.StaffToken, error) {
	if !caller.Is(healthcode.RoleAdmin) {
		return nil, errAdminsOnly
	}
	return a.Store.ListStaffTokens(ctx)
}

// Create makes a token; the venue or organisation it is bound to must
// exist. The token is returned this once.
func (a *TokenAdmin) Create(ctx context.Context, caller *healthcode.Caller, r StaffTokenRequest) (string, *healthcode.StaffToken, error) {
	if !caller.Is(healthcode.RoleAdmin) {
		return "", nil, errAdminsOnly
	}
	if r.VenueID != "" {
		if _, err := a.Store.FindVenue(ctx, r.VenueID); healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
			return "", nil, (healthcode.FieldErrors{"venue": "no such venue"}).Err()
		} else if err != nil {
			return "", nil, err
		}
	}
	if r.OrgID != "" {
		if _, err := a.Store.FindOrg(ctx, r.OrgID); healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
			return "", nil, (healthcode.FieldErrors{"org": "no such organisation"}).Err()
		} else if err != nil {
			return "", nil, err
		}
	}
	return CreateStaffToken(ctx, a.Store, r, a.Now())
}

// Revoke revokes the token with id; an admin cannot revoke the token they
// are signed in with (they would lock themselves out of this page).
func (a *TokenAdmin) Revoke(ctx context.Context, caller *healthcode.Caller, id int64) error {
	if !caller.Is(healthcode.RoleAdmin) {
		return errAdminsOnly
	}
	if id == caller.TokenID {
		return healthcode.Errorf(healthcode.ECONFLICT, "this is the token you are signed in with")
	}
	return a.Store.RevokeStaffToken(ctx, id, a.Now())
}
