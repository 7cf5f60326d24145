package healthcode

import (
	"context"
	"time"
)

// Health check sessions: a school's morning and noon checks (晨午检) and
// a person's own daily check-in while in home quarantine or monitoring.
const (
	CheckMorning = "morning"
	CheckNoon    = "noon"
	CheckDaily   = "daily"
)

// SchoolSessions are the sessions a school's checks are entered for.
var SchoolSessions = []string{CheckMorning, CheckNoon}

// Reasons a student is absent from a check (缺勤原因): illness is what
// schools follow up (因病缺勤追踪); the summary counts each apart.
const (
	AbsentIllness  = "illness"
	AbsentPersonal = "personal"
	AbsentOther    = "other"
)

// AbsentReasons lists the reasons of an absence.
var AbsentReasons = []string{AbsentIllness, AbsentPersonal, AbsentOther}

// HealthCheckWindow is how long a fever at a check can count: the status
// engine reads checks of this window, and a fever nobody got tested for
// stops asking for a test once it is this old.
const HealthCheckWindow = 14 * 24 * time.Hour

// HealthCheck is one person's temperature and symptoms observed at a
// check, or their absence from it. It names the person by PersonKey, so
// it reaches their status whether they registered or not.
type HealthCheck struct {
	ID        int64
	PersonKey []byte
	OrgID     string // the school; "" for a person's own check-in
	MemberID  int64  // the school's roster entry; 0 for a check-in
	Unit      string // the class; "" for a check-in
	Session   string // CheckMorning, CheckNoon or CheckDaily
	Date      string // YYYY-MM-DD in the region's zone
	CheckedAt time.Time
	// Temperature is in °C, nil when not measured (an absent student).
	Temperature  *float64
	Symptoms     []Symptom
	Absent       bool
	AbsentReason string // one of AbsentReasons when Absent
	// EnteredBy names who entered it: the token's name, or "self".
	EnteredBy      string
	EnteredByToken int64
}

// CheckEntry is one student's line of a class's check as a teacher
// enters it.
type CheckEntry struct {
	MemberID     int64
	Temperature  *float64
	Symptoms     []Symptom
	Absent       bool
	AbsentReason string
}

// ClassCheck is a class's check of one session and day.
type ClassCheck struct {
	OrgID   string
	Unit    string
	Session string
	Date    string // YYYY-MM-DD; "" for today
	Entries []CheckEntry
}

// ClassCheckResult is what entering a class's check did.
type ClassCheckResult struct {
	Date   string // the day stored, today when the check named none
	Stored int
	// Fever is how many entries showed fever; each of those students who
	// registered had their status evaluated again at once.
	Fever int
}

// Where a student stands at one session of one day.
const (
	CheckStateChecked    = "checked"
	CheckStateFever      = "fever"
	CheckStateAbsent     = "absent"
	CheckStateNotChecked = "not_checked"
)

// StudentCheck is one student's line of the class view: their masked name
// and what the check found, nothing of their records.
type StudentCheck struct {
	MemberID     int64
	Name         string // masked
	State        string // one of the CheckState values
	Temperature  *float64
	Symptoms     []Symptom
	AbsentReason string
}

// ClassView is the class view of one session of one day.
type ClassView struct {
	OrgID, Unit, Session, Date string
	Students                   []StudentCheck
}

// ClassSummary counts one class's check.
type ClassSummary struct {
	Unit       string
	Students   int
	Checked    int // present and checked, fever or not
	Fever      int
	Absent     int
	AbsentBy   map[string]int // by AbsentReasons
	NotChecked int
}

// SchoolSummary is the school view of one session of one day.
type SchoolSummary struct {
	OrgID, Session, Date string
	Classes              []ClassSummary
	Total                ClassSummary // Unit ""
}

// CheckIn is a person's own daily check-in.
type CheckIn struct {
	Temperature *float64
	Symptoms    []Symptom
}

// CommunityCheckIn is one line of a community's check-in view: a member
// under home quarantine or home health monitoring on the day, and whether
// they checked in. Only what the community needs to follow up.
type CommunityCheckIn struct {
	MemberID  int64
	Name      string // masked
	Unit      string
	Kind      QuarantineKind // QuarantineHome or QuarantineHomeMonitoring
	Until     time.Time      // zero: open-ended
	CheckedIn bool
	Fever     bool
	// MissedDays counts the days missed in a row up to the day, the day
	// included, since the order began; 0 when checked in.
	MissedDays int
}

// CommunityCheckIns is the community view of one day.
type CommunityCheckIns struct {
	OrgID, Date string
	Members     []CommunityCheckIn
	Missing     int
}

// HealthCheckService keeps schools' morning and noon checks (晨午检) and the
// daily check-ins of people in home quarantine or health monitoring
// (issue 7).
type HealthCheckService interface {
	// EnterClassCheck stores a class's check: a school's token (of that
	// class when bound to one) or health staff.
	EnterClassCheck(ctx context.Context, caller *Caller, c *ClassCheck) (*ClassCheckResult, error)
	// ClassChecks is the class view; each student shown is written to
	// the access log.
	ClassChecks(ctx context.Context, caller *Caller, orgID, unit, session, date, purpose string) (*ClassView, error)
	// SchoolChecks is the school view, per class.
	SchoolChecks(ctx context.Context, caller *Caller, orgID, session, date, purpose string) (*SchoolSummary, error)
	// CheckIn stores the citizen's own check-in of today, replacing an
	// earlier one of the day.
	CheckIn(ctx context.Context, personID int64, c *CheckIn) (*HealthCheck, *Status, error)
	// CheckIns lists the citizen's own check-ins, newest first.
	CheckIns(ctx context.Context, personID int64) ([]*HealthCheck, error)
	// CommunityCheckIns is a community's view of its members in home
	// quarantine or monitoring on date.
	CommunityCheckIns(ctx context.Context, caller *Caller, orgID, date, purpose string) (*CommunityCheckIns, error)
}

// HealthCheckStore keeps health checks.
type HealthCheckStore interface {
	// SaveHealthChecks stores checks in one transaction, each replacing
	// the one of the same organisation, person, session and date, and
	// marks due the status of every registered person whose fever at a
	// check (as fever judges) came or went. It returns their ids, for
	// the caller to evaluate at once.
	SaveHealthChecks(ctx context.Context, checks []*HealthCheck, fever func(*HealthCheck) bool) ([]int64, error)
	// HealthChecksOf lists the checks of a person key entered for orgID
	// ("" the person's own check-ins) with CheckedAt at or after since,
	// newest first.
	HealthChecksOf(ctx context.Context, personKey []byte, orgID string, since time.Time) ([]*HealthCheck, error)
	// OrgChecksOfDay lists an organisation's checks of one session and day.
	OrgChecksOfDay(ctx context.Context, orgID, session, date string) ([]*HealthCheck, error)
	// MemberCheckIns lists the own daily check-ins, of days from to to
	// (both included), of the members of an organisation.
	MemberCheckIns(ctx context.Context, orgID, from, to string) ([]*HealthCheck, error)
	// CheckRoster lists the members of an organisation's unit ("" every
	// unit), names opened (document numbers left out), in unit then id
	// order.
	CheckRoster(ctx context.Context, orgID, unit string) ([]*OrgMember, error)
	// CheckRosterByID returns those of ids that are members of the
	// organisation, as CheckRoster reads them.
	CheckRosterByID(ctx context.Context, orgID string, ids []int64) (map[int64]*OrgMember, error)
	// HomeQuarantinedMembers lists the organisation's members with an
	// order of home quarantine or home monitoring in force at some time
	// of [from, to), one line per order.
	HomeQuarantinedMembers(ctx context.Context, orgID string, from, to time.Time) ([]*QuarantinedMember, error)
	// CheckPersonIDs returns the registered person of each key that has
	// one, by string(key).
	CheckPersonIDs(ctx context.Context, keys [][]byte) (map[string]int64, error)
}

// QuarantinedMember is a member with an order of home quarantine or
// monitoring.
type QuarantinedMember struct {
	Member     *OrgMember
	Quarantine Quarantine
}
