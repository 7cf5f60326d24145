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
