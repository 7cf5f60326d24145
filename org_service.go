package healthcode

import (
	"context"
	"io"
	"time"
)

// OrgService runs organisations: their rosters, invitations, what their
// managers see and the daily compliance report (issue 7). caller is a
// manager (role org, acting only for caller.OrgID, and only for
// caller.OrgUnit's members when set) or health staff (any organisation).
type OrgService interface {
	// CreateOrg creates an organisation (health staff).
	CreateOrg(ctx context.Context, caller *Caller, o *Org) (*Org, error)
	Org(ctx context.Context, caller *Caller, id string) (*Org, error)
	// ListOrgs lists organisations: all for health staff, its own for a
	// manager.
	ListOrgs(ctx context.Context, caller *Caller, f OrgFilter) ([]*Org, error)
	UpdateOrg(ctx context.Context, caller *Caller, u *OrgUpdate) (*Org, error)
	// CreateManagerToken makes a token of role org for the organisation
	// (health staff), shown this once.
	CreateManagerToken(ctx context.Context, caller *Caller, orgID, name, unit string) (string, *StaffToken, error)
	// ImportRoster adds the members of a roster file in format (FormatCSV
	// or FormatNDJSON) in one transaction; a malformed file is refused
	// whole.
	ImportRoster(ctx context.Context, caller *Caller, orgID, format string, r io.Reader) (*RosterSummary, error)
	// CreateInvitation makes an invitation code, shown this once, valid
	// for ttl.
	CreateInvitation(ctx context.Context, caller *Caller, orgID, unit string, ttl time.Duration) (string, *OrgInvitation, error)
	// Join puts the citizen on the roster of the code's organisation with
	// their profile's document and name.
	Join(ctx context.Context, personID int64, code string) (*Membership, error)
	// Memberships lists the organisations the citizen belongs to.
	Memberships(ctx context.Context, personID int64) ([]*Membership, error)
	// Leave takes the citizen off the organisation's roster.
	Leave(ctx context.Context, personID int64, orgID string) error
	// Members returns a page of members as a manager sees them; every
	// registered member shown is written to the access log.
	Members(ctx context.Context, caller *Caller, orgID string, f OrgMemberFilter, purpose string) (*MemberPage, error)
	// Report returns the daily compliance report of date (YYYY-MM-DD, ""
	// for today): today's computed now, an earlier day's as stored.
	Report(ctx context.Context, caller *Caller, orgID, date string) (*OrgReport, error)
}

// OrgFilter selects organisations in a listing.
type OrgFilter struct {
	Kind     string // "" for all
	Division string // prefix of the division code, "" for all
	Limit    int
	Offset   int
}

// OrgStore keeps organisations, their members and invitations.
type OrgStore interface {
	// CreateOrg stores o and sets o.ID ("G000001") and CreatedAt.
	CreateOrg(ctx context.Context, o *Org) error
	// FindOrg returns the organisation with id, ENOTFOUND when none.
	FindOrg(ctx context.Context, id string) (*Org, error)
	// ListOrgs lists the organisations f selects in id order.
	ListOrgs(ctx context.Context, f OrgFilter) ([]*Org, error)
	// UpdateOrg replaces the name, test window and webhook of o.ID;
	// ENOTFOUND when none.
	UpdateOrg(ctx context.Context, o *Org) error
	// AddOrgMembers adds ms to the roster of orgID in one transaction,
	// named by (org_id, person_key) (PersonKey is computed from IDNumber
	// when nil); a person already on the roster, or twice in ms, is
	// counted as a duplicate and left as it was. The document number and
	// name are stored sealed. ENOTFOUND when the organisation does not
	// exist.
	AddOrgMembers(ctx context.Context, orgID string, ms []*OrgMember) (added, duplicate int, err error)
	// OrgMembersByPersonKey returns the memberships of the person with
	// personKey, in every organisation, opened.
	OrgMembersByPersonKey(ctx context.Context, personKey []byte) ([]*OrgMember, error)
	// RemoveOrgMember takes the person with personKey off orgID's roster;
	// ENOTFOUND when they are not on it.
	RemoveOrgMember(ctx context.Context, orgID string, personKey []byte) error
	// OrgMemberPage returns the members of orgID that f selects, in id
	// order, with what a manager may see of their statuses as of now.
	OrgMemberPage(ctx context.Context, orgID string, f OrgMemberFilter, now time.Time, window time.Duration) ([]*MemberStatus, error)
	// OrgReportCounts counts orgID's members per unit (only unit's when
	// not empty), in unit order, as of now.
	OrgReportCounts(ctx context.Context, orgID, unit string, now time.Time, window time.Duration) ([]UnitReport, error)
	// CreateOrgInvitation stores an invitation (the code's keyed hash).
	CreateOrgInvitation(ctx context.Context, inv *OrgInvitation) error
	// FindOrgInvitation returns the invitation with codeHash unexpired at
	// now, ENOTFOUND otherwise.
	FindOrgInvitation(ctx context.Context, codeHash []byte, now time.Time) (*OrgInvitation, error)
	// SaveOrgReport stores r as the snapshot of r.OrgID for r.Date.
	SaveOrgReport(ctx context.Context, r *OrgReport) error
	// FindOrgReport returns the snapshot of orgID for day, ENOTFOUND when
	// none.
	FindOrgReport(ctx context.Context, orgID, day string) (*OrgReport, error)
}
