package healthcode

import (
	"context"
	"time"
)

// Job states.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Job is a piece of background work (a recompute after an import, a risk
// area change, the scheduler's sweep) whose progress anyone allowed can
// follow at GET /api/v1/jobs/{id}.
type Job struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"` // e.g. "recompute"
	Reason     string    `json:"reason"`
	State      string    `json:"state"`
	Total      int64     `json:"total"`
	Done       int64     `json:"done"`
	Changed    int64     `json:"changed"` // statuses whose colour or action changed
	Error      string    `json:"error,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// TokenID is the staff token that started the job (0: the node
	// itself), so a provider may follow the recompute of its own import.
	TokenID int64 `json:"-"`
}

// Recomputer evaluates again, in the background, every status marked due
// (statuses.reevaluate_at <= now). Whoever changes records or risk areas
// marks the statuses it touches due in the same transaction, so a reader
// never sees a stale colour: a due status is evaluated on read too.
type Recomputer interface {
	// Recompute starts a job over every due status and returns it at once.
	Recompute(ctx context.Context, reason string) (*Job, error)
	// Job returns a job by id, ENOTFOUND when there is none.
	Job(ctx context.Context, id int64) (*Job, error)
}

// JobStore keeps jobs.
type JobStore interface {
	// CreateJob stores j and sets j.ID.
	CreateJob(ctx context.Context, j *Job) error
	// UpdateJob writes j's state, counts, error and times.
	UpdateJob(ctx context.Context, j *Job) error
	// FindJob returns a job by id, ENOTFOUND when there is none.
	FindJob(ctx context.Context, id int64) (*Job, error)
}

// DueStatus is one claimed due status with what evaluating it needs.
type DueStatus struct {
	PersonID int64
	Prev     *Status // the stored status
	Facts    Facts
}

// DueChunk is a set of due statuses claimed by one recompute. Claimed rows
// hold Claim as their re-evaluation time until written back, so no other
// recompute takes them, and a mark set meanwhile (which overwrites Claim)
// is seen and kept.
type DueChunk struct {
	Claim    time.Time
	Statuses []DueStatus
}

// RecomputeStore is what the bulk recompute needs of the store.
type RecomputeStore interface {
	JobStore
	// CountDue counts the statuses due at now.
	CountDue(ctx context.Context, now time.Time) (int64, error)
	// ClaimDue claims up to limit statuses due at now (claim is a time
	// after now, unique to this call, at which the claim lapses) and reads
	// their facts as of now with a few set-based queries. An empty chunk
	// means nothing is due.
	ClaimDue(ctx context.Context, now, claim time.Time, limit int) (*DueChunk, error)
	// SaveClaimed writes, in one transaction, statuses[i] for
	// c.Statuses[i]; when unchanged[i] only the due mark is cleared. A
	// status marked due again since the claim is left due and untouched;
	// remarked counts those.
	SaveClaimed(ctx context.Context, c *DueChunk, statuses []*Status, unchanged []bool) (written, remarked int, err error)
	// ChangeRiskAreas replaces the region's risk area list and, in the
	// same transaction, marks due every person with a travel record or a
	// declared stay, ending within lookback before now or later, in a
	// division whose risk entries changed. It returns how many it marked.
	ChangeRiskAreas(ctx context.Context, areas []RiskArea, now time.Time, lookback time.Duration) (touched int64, err error)
	RiskAreas(ctx context.Context) ([]RiskArea, error)
}

// RiskAreaService replaces and lists the region's risk areas.
type RiskAreaService interface {
	// ChangeRiskAreas validates and replaces the list, marks due the
	// people whose stays it touches and starts a recompute job for them.
	ChangeRiskAreas(ctx context.Context, areas []RiskArea) (job *Job, touched int64, err error)
	RiskAreas(ctx context.Context) ([]RiskArea, error)
}
