package healthcode

import "time"

// Organisation kinds: those that manage their own people, not only scan
// them at a door (issue 7).
const (
	OrgCommunity = "community" // a residential community (社区)
	OrgEmployer  = "employer"  // an office or factory returning to work
	OrgSchool    = "school"
)

// OrgKinds lists the organisation kinds.
var OrgKinds = []string{OrgCommunity, OrgEmployer, OrgSchool}

// DefaultTestWindow is how recent a member's latest negative test must be
// to count as tested, unless the organisation sets its own window.
const DefaultTestWindow = 48 * time.Hour

// Org is a community, employer or school. Its managers hold tokens of role
// org bound to it (Caller.OrgID); they see their own members' colours and
// test compliance, never anyone's reasons, records or declarations.
type Org struct {
	ID       string // "G000001"
	Kind     string // one of OrgKinds
	Name     string
	Division string // GB/T 2260 code of where it is
	// TestWindow is how recent a negative test counts as tested.
	TestWindow time.Duration
	// Webhook, when set, is POSTed the daily compliance report each morning.
	Webhook   string
	CreatedAt time.Time
}

// Roster sources: how a member came to belong to an organisation.
const (
	MemberFromRoster     = "roster"     // imported by a manager
	MemberFromInvitation = "invitation" // joined by the person with an invitation code
)

// OrgMember is a person on an organisation's roster, named by document:
// records and statuses reach them through PersonKey, registered or not.
// A person may belong to several organisations, once each.
type OrgMember struct {
	ID        int64
	OrgID     string
	Unit      string // building, department or class; "" when none
	IDType    string
	IDNumber  string // opened; stored sealed
	Name      string // opened; stored sealed
	PersonKey []byte // secret.Box.PersonKey of IDNumber
	Source    string // MemberFromRoster or MemberFromInvitation
	CreatedAt time.Time
}

// OrgInvitation lets people join an organisation's roster themselves: a
// manager makes a code, shown once; anyone holding it may join (with their
// profile's document and name) until it expires. Only the keyed hash of
// the code is stored.
type OrgInvitation struct {
	CodeHash  []byte
	OrgID     string
	Unit      string // the unit a person joins; "" for none
	ExpiresAt time.Time
	CreatedAt time.Time
}

// OrgMemberFilter selects a page of an organisation's members.
type OrgMemberFilter struct {
	Unit  string // "" for every unit
	After int64  // member id the page starts after; 0 for the first page
	Limit int
}

// MemberStatus is what the store gives of a member for a manager's view:
// the member (opened) and only the parts of their status a manager may
// see. The caller masks the name and document number.
type MemberStatus struct {
	Member *OrgMember
	// PersonID is the registered person with the member's document, 0 when
	// nobody has registered with it.
	PersonID int64
	// HasStatus is false while the member has no status to show: not
	// registered, never declared, or never evaluated. Colour and
	// ActionRequired mean nothing then.
	HasStatus      bool
	Colour         Colour
	ActionRequired bool
	// TestedWithinWindow: a negative test sampled within the organisation's
	// test window before now (from the records kept under the member's
	// document, registered or not).
	TestedWithinWindow bool
	// Doses counts the distinct vaccination doses given by now.
	Doses int
}

// UnitReport counts one unit's members for the daily compliance report.
// Green, Yellow and Red count members with a status; Missing those
// without (not registered or never declared); Members is their sum.
type UnitReport struct {
	Unit    string `json:"unit"`
	Members int    `json:"members"`
	Green   int    `json:"green"`
	Yellow  int    `json:"yellow"`
	Red     int    `json:"red"`
	Tested  int    `json:"tested_within_window"`
	Missing int    `json:"missing"`
}

// Add adds u's counts to r's.
func (r *UnitReport) Add(u UnitReport) {
	r.Members += u.Members
	r.Green += u.Green
	r.Yellow += u.Yellow
	r.Red += u.Red
	r.Tested += u.Tested
	r.Missing += u.Missing
}

// OrgReport is an organisation's daily compliance report: per unit and in
// total, as of AsOf. Stored each morning as the day's snapshot.
type OrgReport struct {
	OrgID   string       `json:"org_id"`
	OrgName string       `json:"org_name"`
	Kind    string       `json:"kind"`
	Date    string       `json:"date"` // YYYY-MM-DD, the node's local day
	AsOf    time.Time    `json:"as_of"`
	Window  int          `json:"test_window_hours"`
	Units   []UnitReport `json:"units"`
	Total   UnitReport   `json:"total"`
	// Live is true for a report computed at the request, false for a
	// stored snapshot.
	Live bool `json:"live"`
}

// OrgUpdate is what may change of an organisation: its managers may set
// the webhook and the test window; health staff the name too. A nil field
// is left as it is.
type OrgUpdate struct {
	ID         string
	Name       *string
	TestWindow *time.Duration
	Webhook    *string
}

// RosterSummary is the outcome of importing one roster file: every row is
// added, a duplicate (on the roster already, or earlier in the file) or
// rejected with its line, field and reason.
type RosterSummary struct {
	Added     int        `json:"added"`
	Duplicate int        `json:"duplicate"`
	Rejected  int        `json:"rejected"`
	Errors    []RowError `json:"errors"`
}

// MemberView is one member as a manager sees them, and only this: the
// name and document number masked, the unit, whether they registered, and
// of their status the colour (nil when they have none: not registered or
// never declared), action_required, whether a negative test is within the
// organisation's window, and doses. Never reasons, records or
// declarations.
type MemberView struct {
	ID                 int64
	Name               string // masked
	IDNumber           string // masked
	Unit               string
	Registered         bool
	Colour             *Colour
	ActionRequired     bool
	TestedWithinWindow bool
	Doses              int
}

// MemberPage is a page of an organisation's members; Next is the after
// of the next page, 0 when this is the last.
type MemberPage struct {
	OrgID   string
	Members []MemberView
	Next    int64
}

// Membership is an organisation a person belongs to, as they see it.
type Membership struct {
	OrgID    string
	OrgName  string
	Kind     string
	Unit     string
	Source   string
	JoinedAt time.Time
}
