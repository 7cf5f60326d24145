package healthcode

import (
	"context"
	"time"
)

// AppealState is where an appeal stands.
type AppealState string

const (
	AppealPending  AppealState = "pending"
	AppealAccepted AppealState = "accepted"
	AppealRejected AppealState = "rejected"
)

// Valid reports whether s is a known state.
func (s AppealState) Valid() bool {
	return s == AppealPending || s == AppealAccepted || s == AppealRejected
}

// Appeal is a citizen's request to correct their status (GB/T 38963 error
// correction). An accepted appeal carries the corrected colour, which the
// status engine applies as Facts.Override.
type Appeal struct {
	ID             int64
	PersonID       int64
	Reason         string // the citizen's
	State          AppealState
	ColourAtFiling Colour
	// The decision; zero while pending.
	CorrectedColour Colour    // accepted only
	OverrideUntil   time.Time // accepted only; zero: until new records arrive
	DecisionReason  string
	DecidedBy       string // staff token name
	DecidedByToken  int64
	CreatedAt       time.Time
	DecidedAt       time.Time
}

// AppealDecision is health staff's answer to a pending appeal.
type AppealDecision struct {
	AppealID int64
	Accept   bool
	Colour   Colour    // the corrected colour, when accepted
	Until    time.Time // when accepted: zero means until new records arrive
	Reason   string
}

// AppealCase is one entry of the staff queue: the appeal and the person it
// is about, masked as staff see them.
type AppealCase struct {
	Appeal *Appeal
	Person *PersonSummary
}

// PersonSummary is what staff see of a person: masked identity and the
// current status.
type PersonSummary struct {
	PersonID       int64
	MaskedName     string // "" when the person has no profile
	IDType         IDType
	MaskedIDNumber string
	Status         *Status // nil when none is stored yet
}

// AppealStore keeps appeals.
type AppealStore interface {
	// CreateAppeal stores a pending appeal and sets a.ID; ECONFLICT when
	// the person already has a pending one.
	CreateAppeal(ctx context.Context, a *Appeal) error
	// FindAppeal returns the appeal with id, ENOTFOUND when none.
	FindAppeal(ctx context.Context, id int64) (*Appeal, error)
	// ListAppeals returns the person's appeals, newest first.
	ListAppeals(ctx context.Context, personID int64, limit int) ([]*Appeal, error)
	// AppealQueue returns appeals in state, oldest first.
	AppealQueue(ctx context.Context, state AppealState, limit int) ([]*Appeal, error)
	// DecideAppeal records d on a pending appeal in one transaction with
	// the audit entry of the read (entry.PersonID is filled in): when
	// accepted it marks the person's status due at decidedAt, so the next
	// read evaluates it with the override. ECONFLICT when the appeal was
	// already decided, ENOTFOUND when there is none.
	DecideAppeal(ctx context.Context, d *AppealDecision, by *Caller, decidedAt time.Time, entry *AuditEntry) (*Appeal, error)
}

// AppealService is what citizens and health staff do with appeals.
type AppealService interface {
	// File files an appeal of the person against their current status.
	File(ctx context.Context, personID int64, reason string) (*Appeal, error)
	// Appeals lists the person's own appeals, newest first.
	Appeals(ctx context.Context, personID int64, limit int) ([]*Appeal, error)
	// Queue lists appeals in state, oldest first, for health staff; each
	// person shown is recorded in the access audit log with purpose.
	Queue(ctx context.Context, caller *Caller, state AppealState, limit int, purpose string) ([]*AppealCase, error)
	// Decide accepts or rejects a pending appeal.
	Decide(ctx context.Context, caller *Caller, d *AppealDecision, purpose string) (*Appeal, error)
}

// PersonService is what staff read about one person; every read is
// recorded in the access audit log with its purpose.
type PersonService interface {
	// Lookup finds a person by document.
	Lookup(ctx context.Context, caller *Caller, idType IDType, idNumber, purpose string) (*PersonSummary, error)
	// Status returns the person's current status.
	Status(ctx context.Context, caller *Caller, personID int64, purpose string) (*Status, error)
}
