package healthcode

import (
	"context"
	"strings"
	"time"
)

// ResumptionService lists a community's returnees and runs employers'
// applications to resume work (issue 7). What a manager sees of a member
// is a colour term, never a reason, record or declaration.
type ResumptionService interface {
	// Returnees lists the members of a community back from a stay outside
	// the region within ReturneeDays; every person listed is written to
	// the access log for purpose.
	Returnees(ctx context.Context, caller *Caller, orgID, purpose string) (*ReturneeList, error)
	// Apply makes the employer's application to resume work (or returns
	// the one it has), evaluated at once; created is false when it existed.
	Apply(ctx context.Context, caller *Caller, orgID string) (r *ResumptionReport, created bool, err error)
	// Report evaluates the employer's application and lists who may
	// return; every member listed is written to the access log.
	Report(ctx context.Context, caller *Caller, orgID, purpose string) (*ResumptionReport, error)
	// Applications lists the applications, for health staff; state ""
	// lists all.
	Applications(ctx context.Context, caller *Caller, state string) ([]*ResumptionApplication, error)
	// Threshold returns the share of ready staff that approves an
	// application; SetThreshold changes it (health staff and admins).
	Threshold(ctx context.Context, caller *Caller) (*ResumptionThreshold, error)
	SetThreshold(ctx context.Context, caller *Caller, share float64) (*ResumptionThreshold, error)
}

// ReturneeDays is how long after coming back from outside the region a
// member stays on the community's returnee list.
const ReturneeDays = 14

// Returnee is a member of a community back from a stay outside the
// region: what the community needs to look after them, nothing more.
type Returnee struct {
	MemberID int64
	PersonID int64  // the registered person, 0 when none (for the access log)
	Name     string // masked by the service
	Unit     string
	// ReturnedAt is the end of the member's last stay outside the region.
	ReturnedAt time.Time
	// DaysRemaining is ReturneeDays less the whole days since ReturnedAt.
	DaysRemaining int
	// From is the division code of that stay.
	From string
}

// ReturneeList is a community's returnees, most recently back first.
type ReturneeList struct {
	OrgID     string
	AsOf      time.Time
	Returnees []*Returnee
}

// StayOutside is a member's stay outside the region ending at To, as a
// store reads it from a travel record or a declared stay.
type StayOutside struct {
	MemberID int64
	PersonID int64
	Name     string // opened
	Unit     string
	Division string
	To       time.Time
}

// States of an application to resume work.
const (
	ResumptionPending  = "pending"
	ResumptionApproved = "approved"
)

// DefaultResumptionThreshold is the share of an employer's staff that
// must be ready before its application is approved, until the health
// authority sets its own.
const DefaultResumptionThreshold = 0.9

// ResumptionThreshold is the share set by the health authority.
type ResumptionThreshold struct {
	Share     float64
	UpdatedAt time.Time // zero: the default, never set
	UpdatedBy string
}

// ResumptionApplication is an employer's application to resume work. It
// keeps the figures of its last evaluation; once approved it stays so.
type ResumptionApplication struct {
	ID        int64
	OrgID     string
	OrgName   string // read with the application, for listings
	State     string // ResumptionPending or ResumptionApproved
	AppliedAt time.Time
	AppliedBy string // the name of the token that applied
	// Members and Ready are the counts of the last evaluation, at
	// EvaluatedAt.
	Members     int
	Ready       int
	EvaluatedAt time.Time
	// ApprovedAt and ApprovedShare are set when approved.
	ApprovedAt    time.Time
	ApprovedShare float64
}

// Share is the share of members ready at the last evaluation; 0 for an
// empty roster.
func (a *ResumptionApplication) Share() float64 {
	if a.Members == 0 {
		return 0
	}
	return float64(a.Ready) / float64(a.Members)
}

// Why a member may not return, in colour terms only: never a reason,
// record or declaration.
const (
	NotReadyNoCode    = "no_code" // not registered, or never declared: no code
	NotReadyRed       = "red"
	NotReadyYellow    = "yellow"
	NotReadyAction    = "action_required"
	NotReadyNotTested = "not_tested_within_window"
)

// MemberReadiness is what a store reads of a member to judge whether they
// may return to work.
type MemberReadiness struct {
	MemberID int64
	PersonID int64  // 0 when not registered
	Name     string // opened, when read with names
	Unit     string
	// HasCode is false when the member is not registered or has never
	// declared: no code was issued.
	HasCode        bool
	Colour         Colour
	ActionRequired bool
	LatestTest     *TestSummary
}

// MayReturn judges whether m may return to work at now: green, nothing to
// do, and a negative test sampled within window before now (a sample time
// in the future counts as now). When not, why names the first thing in
// the way, in colour terms.
func MayReturn(m *MemberReadiness, window time.Duration, now time.Time) (ok bool, why string) {
	switch {
	case !m.HasCode:
		return false, NotReadyNoCode
	case m.Colour == Red:
		return false, NotReadyRed
	case m.Colour != Green:
		return false, NotReadyYellow
	case m.ActionRequired:
		return false, NotReadyAction
	case m.LatestTest == nil || m.LatestTest.Result != Negative || m.LatestTest.SampledAt.Before(now.Add(-window)):
		return false, NotReadyNotTested
	}
	return true, ""
}

// ResumptionMember is one member of a resumption report.
type ResumptionMember struct {
	MemberID  int64
	PersonID  int64
	Name      string // masked
	Unit      string
	MayReturn bool
	Why       string // one of the NotReady codes, "" when MayReturn
}

// ResumptionReport is an employer's application and who may return.
// Application is nil before the employer applies.
type ResumptionReport struct {
	OrgID       string
	Application *ResumptionApplication
	Threshold   float64
	TestWindow  time.Duration
	Members     int
	Ready       int
	AsOf        time.Time
	// People lists the members (of the caller's unit, for a unit's
	// token); nil when the report is only the figures.
	People []*ResumptionMember
}

// Share is the share of members ready; 0 for an empty roster.
func (r *ResumptionReport) Share() float64 {
	if r.Members == 0 {
		return 0
	}
	return float64(r.Ready) / float64(r.Members)
}

// RegionPrefix is the division code prefix a region covers: "CN-330100"
// covers the codes starting "3301" (trailing "00" pairs dropped). A region
// that names no division ("CN") covers every code: "" is returned.
func RegionPrefix(region string) string {
	code, ok := strings.CutPrefix(region, "CN-")
	if !ok || len(code) != 6 {
		return ""
	}
	for len(code) > 2 && strings.HasSuffix(code, "00") {
		code = code[:len(code)-2]
	}
	return code
}

// ResumptionStore keeps applications to resume work and the threshold,
// and reads what returnees and applications are judged on.
type ResumptionStore interface {
	// StaysOutside returns the stays of orgID's members (of unit, when
	// not "") outside the divisions starting with prefix that ended in
	// [since, until], from travel records and declared stays, names
	// opened. A stay with no end (declared as still there) is not read:
	// the member has not come back.
	StaysOutside(ctx context.Context, orgID, unit, prefix string, since, until time.Time) ([]*StayOutside, error)
	// MemberReadiness reads orgID's members (of unit, when not "") with
	// their stored status, in member order; names are opened only when
	// withNames.
	MemberReadiness(ctx context.Context, orgID, unit string, withNames bool) ([]*MemberReadiness, error)
	// ReadyCounts counts orgID's members and those who may return
	// (MayReturn with a window reaching back to since).
	ReadyCounts(ctx context.Context, orgID string, since time.Time) (members, ready int, err error)
	// InOrg reports whether the registered person personID is on orgID's
	// roster (through their profile's person_key).
	InOrg(ctx context.Context, orgID string, personID int64) (bool, error)
	// CreateResumption stores a's application and sets a.ID; when orgID
	// has one already it is returned instead, with created false.
	CreateResumption(ctx context.Context, a *ResumptionApplication) (got *ResumptionApplication, created bool, err error)
	// FindResumption returns orgID's application, ENOTFOUND when none.
	FindResumption(ctx context.Context, orgID string) (*ResumptionApplication, error)
	// ListResumptions lists the applications in state ("" for all), in
	// application order, with their organisation's name.
	ListResumptions(ctx context.Context, state string) ([]*ResumptionApplication, error)
	// EvaluateResumption records the figures of an evaluation of a.ID;
	// when approve, a pending application becomes approved at
	// a.EvaluatedAt with its share. approved reports whether this call
	// approved it.
	EvaluateResumption(ctx context.Context, a *ResumptionApplication, approve bool) (approved bool, err error)
	// ResumptionThreshold returns the threshold, the default when never set.
	ResumptionThreshold(ctx context.Context) (*ResumptionThreshold, error)
	SetResumptionThreshold(ctx context.Context, t *ResumptionThreshold) error
}
