package healthcode

import "context"

// Role is what a caller may do. Staff, devices, providers and peers hold
// bearer tokens made by `healthcode token create`; citizens hold sessions.
type Role string

const (
	RoleAdmin      Role = "admin"      // runs the node
	RoleHealth     Role = "health"     // health authority staff
	RoleProvider   Role = "provider"   // a lab or other data source, one data kind
	RoleVenue      Role = "venue"      // a venue's operator
	RoleCheckpoint Role = "checkpoint" // a scanning device bound to one venue
	RoleOrg        Role = "org"        // a community, employer or school
	RolePeer       Role = "peer"       // another region or the hub
	RoleCitizen    Role = "citizen"    // a person signed in with phone + OTP
)

// StaffRoles are the roles a token can be created for.
var StaffRoles = []Role{RoleAdmin, RoleHealth, RoleProvider, RoleVenue, RoleCheckpoint, RoleOrg, RolePeer}

// Valid reports whether r is a known staff role.
func (r Role) Valid() bool {
	for _, s := range StaffRoles {
		if r == s {
			return true
		}
	}
	return false
}

// Caller is the authenticated party of a request.
type Caller struct {
	Role     Role
	PersonID int64  // citizens
	TokenID  int64  // staff tokens
	Name     string // staff tokens
	VenueID  string // venue and checkpoint tokens
	DataKind string // provider tokens: the one record kind they may send
	Region   string // peer tokens bound to a region: the one they act for
	OrgID    string // org tokens: the one organisation they manage
	OrgUnit  string // org tokens of one unit (a class's teacher): "" for the whole organisation
}

// Is reports whether the caller holds one of roles.
func (c *Caller) Is(roles ...Role) bool {
	if c == nil {
		return false
	}
	for _, r := range roles {
		if c.Role == r {
			return true
		}
	}
	return false
}

type callerKey struct{}

// NewContextWithCaller returns ctx carrying c.
func NewContextWithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFromContext returns the caller of ctx, or nil.
func CallerFromContext(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}
