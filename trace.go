package healthcode

import (
	"context"
	"time"
)

// Contact tracing from the scan log. A Visit is one person's stay at a
// venue, made from their in and out scans; the tracing rules (package
// tracing, pure) compare the visits of a case with everybody else's at the
// same venues and name the exposed people by degree.

// Exposure degrees, strongest first, as the contacts records name them.
const (
	DegreeClose     = "close"
	DegreeCompanion = "companion" // 时空伴随者: the same place within a wider window
	DegreeSecondary = "secondary" // shared a venue with a close contact after the exposure
)

// DegreeRank orders degrees: a larger rank is the stronger exposure.
func DegreeRank(degree string) int {
	switch degree {
	case DegreeClose:
		return 3
	case DegreeSecondary:
		return 2
	case DegreeCompanion:
		return 1
	}
	return 0
}

// VisitPerson names the person of a visit: the region that issued the
// code and the person's pseudonym there; PersonID is set when the person
// is of this region (0 otherwise).
type VisitPerson struct {
	Region   string `json:"region"`
	Subject  []byte `json:"subject"`
	PersonID int64  `json:"person_id,omitempty"`
}

// Key is a comparable form of the person, for maps.
func (p VisitPerson) Key() string { return p.Region + "\x00" + string(p.Subject) }

// ScanPoint is a passed scan, the input of stays: who, where, which way,
// when. Denied scans never let anyone in and are not traced.
type ScanPoint struct {
	VisitPerson
	VenueID   string
	VenueKind string
	Direction string // DirectionIn or DirectionOut
	At        time.Time
}

// Visit is a stay: from an in scan to the person's next out scan at the
// same venue, or, with no out scan, for the venue kind's default stay
// (Estimated is then set).
type Visit struct {
	VisitPerson
	VenueID   string    `json:"venue_id"`
	VenueKind string    `json:"venue_kind"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Estimated bool      `json:"estimated,omitempty"`
}

// Exposure is one exposed person: the strongest degree found, the case
// and the visit that gave it, and the earliest time they were exposed.
type Exposure struct {
	VisitPerson
	Degree string `json:"degree"`
	// CaseKey is the VisitPerson.Key of the case (or, for a secondary
	// contact, of the close contact) the exposure came from.
	CaseKey string    `json:"-"`
	CaseRef string    `json:"case"` // the case as the request named it
	VenueID string    `json:"venue_id"`
	From    time.Time `json:"from"` // the exposed person's stay
	To      time.Time `json:"to"`
	// Overlap is how long the two stays overlapped (0 for a companion
	// whose stay only came near the case's).
	Overlap    time.Duration `json:"-"`
	OverlapMin float64       `json:"overlap_minutes"`
	ExposedAt  time.Time     `json:"exposed_at"` // the earliest moment of exposure
}

// TraceRules are the exposure rules of the policy file's "tracing"
// section.
type TraceRules struct {
	// CloseAfter is how long two stays must overlap at one venue for a
	// close contact (default 15 minutes).
	CloseAfter time.Duration
	// CompanionWindow widens the case's stay on both sides: anyone at the
	// venue within it is a companion (default 60 minutes).
	CompanionWindow time.Duration
	// DefaultStay is how long a stay without an out scan lasts, by venue
	// kind; DefaultStayOther for kinds not listed (default 2 hours).
	DefaultStay      map[string]time.Duration
	DefaultStayOther time.Duration
	// AllCloseKinds are the small venue kinds where any overlap is close.
	AllCloseKinds []string
	// SecondRound asks for secondary contacts: the people who shared a
	// venue with a close contact after the exposure.
	SecondRound bool
	// InfectiousBefore is how long before onset (or sampling) the case's
	// visits count (default 2 days).
	InfectiousBefore time.Duration
}

// TraceCase is a case to trace, as a request names it.
type TraceCase struct {
	IDType   IDType    `json:"id_type"`
	IDNumber string    `json:"id_number"`
	From     time.Time `json:"from"` // zero: the policy's infectious window
	To       time.Time `json:"to"`   // zero: now
}

// Trace is a stored trace and its findings.
type Trace struct {
	ID        int64       `json:"id"`
	State     string      `json:"state"` // JobQueued, JobRunning, JobDone, JobFailed
	Cases     []TraceCase `json:"cases"`
	Visits    []Visit     `json:"visits"` // the cases' own visits
	Exposures []Exposure  `json:"exposures"`
	// Unresolved counts the cases naming nobody registered here.
	Unresolved int `json:"unresolved"`
	// CasesDone counts the cases traced so far: all of them once done.
	CasesDone  int       `json:"cases_done"`
	CreatedAt  time.Time `json:"created_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	AppliedAt  time.Time `json:"applied_at,omitzero"`
	TokenID    int64     `json:"-"`
	Error      string    `json:"error,omitempty"`
}

// TraceReport is a trace as staff read it: the findings and, for display,
// who the people of this region listed are and what the venues are
// called. Visitors from other regions stay region and pseudonym: their
// names are their region's.
type TraceReport struct {
	*Trace
	// People holds each listed person of this region who has a profile,
	// masked, by person id.
	People map[int64]MaskedPerson
	// VenueNames holds the name of each venue listed, by id.
	VenueNames map[string]string
}

// MaskedPerson is a person as a staff listing shows them: masked name and
// document number (idnum.MaskName, idnum.MaskID), never the plain ones.
type MaskedPerson struct {
	Name     string
	IDType   IDType
	IDNumber string
}

// VenueWindow is a venue and a span of time, to read its scans.
type VenueWindow struct {
	VenueID  string
	From, To time.Time
}

// VisitStore reads the scan log for tracing.
type VisitStore interface {
	// ScanPointsOf returns the passed scans of one person in [from, to),
	// oldest first, with their venues' kinds.
	ScanPointsOf(ctx context.Context, p VisitPerson, from, to time.Time) ([]ScanPoint, error)
	// ScanPointsAt returns the passed scans at venueID in [from, to),
	// oldest first, with the venue's kind.
	ScanPointsAt(ctx context.Context, venueID string, from, to time.Time) ([]ScanPoint, error)
}

// ExposureSource traces a case where this node keeps no scan log: the
// checkpoints of other regions, which the national hub asks on the node's
// behalf (federation). It answers the case's visits there and the people
// exposed there, by the same rules; the node merges them with its own.
type ExposureSource interface {
	TraceElsewhere(ctx context.Context, c VisitPerson, from, to time.Time, rules *TraceRules) ([]Visit, []Exposure, error)
}

// TraceStore keeps traces.
type TraceStore interface {
	// CreateTrace stores t and sets t.ID; its heartbeat is t.CreatedAt.
	CreateTrace(ctx context.Context, t *Trace) error
	// UpdateTrace writes what changes as t runs and is applied, and now
	// as its heartbeat.
	UpdateTrace(ctx context.Context, t *Trace, now time.Time) error
	FindTrace(ctx context.Context, id int64) (*Trace, error)
	// TouchTraces sets the heartbeat of the traces of ids still queued or
	// running to now, in one statement: the process running them is
	// alive (see AbandonedStore).
	TouchTraces(ctx context.Context, ids []int64, now time.Time) error
}

// TraceService traces cases for the health authority.
type TraceService interface {
	// StartTrace stores a trace of cases and runs it in the background;
	// the returned trace has its id and state.
	StartTrace(ctx context.Context, cases []TraceCase) (*Trace, error)
	// FindTrace returns a trace with its findings so far, for internal
	// use: it checks no caller and records no read.
	FindTrace(ctx context.Context, id int64) (*Trace, error)
	// ReadTrace returns a trace as health staff read it, with the masked
	// identities and venue names to show it by. The caller states a
	// purpose, and the read is in the access log of every person of this
	// region it lists (the exposed and the cases).
	ReadTrace(ctx context.Context, caller *Caller, id int64, purpose string) (*TraceReport, error)
	// ApplyTrace turns a finished trace's findings into contacts records
	// and re-evaluates those people; applying twice changes nothing.
	ApplyTrace(ctx context.Context, id int64) (*ImportSummary, error)
}
