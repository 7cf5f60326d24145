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
