package node

import (
	"context"
	"time"

	"github.com/healthcode/healthcode"
)

// RecordKinds are the data kinds a provider token may send (DESIGN §7).
var RecordKinds = []string{"tests", "vaccinations", "cases", "contacts", "quarantines", "travel"}

// StaffTokenRequest describes a token to create.
type StaffTokenRequest struct {
	Role     healthcode.Role
	Name     string
	VenueID  string
	DataKind string
	// Region binds a peer token to the one region it acts for at the hub.
	Region string
	// OrgID binds an org token to the organisation it manages; OrgUnit, when
	// set, to one unit of it (a class's teacher).
	OrgID   string
	OrgUnit string
}

// CreateStaffToken validates r, stores the token's hash and returns the
// token, which is shown this once and never again.
func CreateStaffToken(ctx context.Context, store healthcode.TokenStore, r StaffTokenRequest, now time.Time) (string, *healthcode.StaffToken, error) {
	var fe healthcode.FieldErrors
	if !r.Role.Valid() {
		fe.Add("role", "must be one of admin, health, provider, venue, checkpoint, org, peer")
	}
	needsVenue := r.Role == healthcode.RoleVenue || r.Role == healthcode.RoleCheckpoint
	switch {
	case needsVenue && r.VenueID == "":
		fe.Add("venue", "required for the "+string(r.Role)+" role")
	case !needsVenue && r.VenueID != "":
		fe.Add("venue", "only venue and checkpoint tokens are bound to a venue")
	}
	switch {
	case r.Role == healthcode.RoleProvider && !oneOf(r.DataKind, RecordKinds):
		fe.Add("kind", "a provider token sends one data kind: tests, vaccinations, cases, contacts, quarantines or travel")
	case r.Role != healthcode.RoleProvider && r.DataKind != "":
		fe.Add("kind", "only provider tokens have a data kind")
	}
	switch {
	case r.Region != "" && r.Role != healthcode.RolePeer:
		fe.Add("region", "only peer tokens are bound to a region")
	case r.Region != "" && !healthcode.ValidRegionID(r.Region):
		fe.Add("region", "must be CN or CN- and a six-digit division code")
	}
	switch {
	case r.Role == healthcode.RoleOrg && r.OrgID == "":
		fe.Add("org", "required for the org role: the organisation the token manages")
	case r.Role != healthcode.RoleOrg && r.OrgID != "":
		fe.Add("org", "only org tokens are bound to an organisation")
	case r.OrgUnit != "" && r.OrgID == "":
		fe.Add("unit", "only an org token is bound to a unit of its organisation")
	case len([]rune(r.OrgUnit)) > 100:
		fe.Add("unit", "at most 100 characters")
	}
	if len([]rune(r.Name)) > 100 {
		fe.Add("name", "at most 100 characters")
	}
	if err := fe.Err(); err != nil {
		return "", nil, err
	}
	token := newToken(staffPrefix)
	t := &healthcode.StaffToken{Role: r.Role, Name: r.Name, VenueID: r.VenueID, DataKind: r.DataKind,
		Region: r.Region, OrgID: r.OrgID, OrgUnit: r.OrgUnit, TokenHash: hashToken(token), CreatedAt: now}
	if err := store.CreateStaffToken(ctx, t); err != nil {
		return "", nil, err
	}
	return token, t, nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}
