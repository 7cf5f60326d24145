package web

import (
	"context"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// The services of the staff pages that package healthcode has no
// interface for; package node implements them.

// Overview is the health authority's dashboard (*node.Overview).
type Overview interface {
	Region(ctx context.Context, caller *healthcode.Caller) (*healthcode.RegionOverview, error)
}

// TokenAdmin manages staff tokens (*node.TokenAdmin).
type TokenAdmin interface {
	List(ctx context.Context, caller *healthcode.Caller) ([]*healthcode.StaffToken, error)
	Create(ctx context.Context, caller *healthcode.Caller, r node.StaffTokenRequest) (string, *healthcode.StaffToken, error)
	Revoke(ctx context.Context, caller *healthcode.Caller, id int64) error
}

// HubStatus tells what the node holds of the hub it follows
// (*node.HubClient).
type HubStatus interface {
	Status() node.HubStatus
}

// ParkedOutbox counts the outbox's parked batches by the region they go
// to (the store, *sqlstore.DB).
type ParkedOutbox interface {
	ParkedOutbox(ctx context.Context) (map[string]int, error)
}

var (
	_ Overview   = (*node.Overview)(nil)
	_ TokenAdmin = (*node.TokenAdmin)(nil)
	_ HubStatus  = (*node.HubClient)(nil)
)

// healthRoles may open the dashboard; the pages that read or change
// people's data are health staff's only, as in the API.
var (
	healthRoles = []healthcode.Role{healthcode.RoleHealth, healthcode.RoleAdmin}
	healthStaff = []healthcode.Role{healthcode.RoleHealth}
	adminRole   = []healthcode.Role{healthcode.RoleAdmin}
)

// Field reasons of the staff services, translated like reasonKeys'.
func init() {
	for reason, key := range map[string]string{
		"required: state why you read this person's data (X-Purpose header)": "health.err_purpose",
		"at most 200 characters": "fielderr.long",
		"must be one of admin, health, provider, venue, checkpoint, org, peer": "admin.err_role",
		"no such venue":        "admin.err_venue",
		"no such organisation": "admin.err_org",
	} {
		if _, ok := reasonKeys[reason]; !ok {
			reasonKeys[reason] = key
		}
	}
}
