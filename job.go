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
	// CreateJob stores j and sets j.ID; its heartbeat is j.CreatedAt.
	CreateJob(ctx context.Context, j *Job) error
	// UpdateJob writes j's state, counts, error and times, and now as its
	// heartbeat.
	UpdateJob(ctx context.Context, j *Job, now time.Time) error
	// FindJob returns a job by id, ENOTFOUND when there is none.
	FindJob(ctx context.Context, id int64) (*Job, error)
	// TouchJobs sets the heartbeat of the jobs of ids still queued or
	// running to now, in one statement: the process running them is
	// alive (see AbandonedStore).
	TouchJobs(ctx context.Context, ids []int64, now time.Time) error
}

// AbandonedStore fails the rows a process left queued or running when it
// died without a clean shutdown (killed, a power cut): nothing else would
// ever finish them, and whoever follows one would wait for ever. A live
// process touches its rows' heartbeats (TouchJobs, TouchTraces) far more
// often than the cutoff, so the rows of another process still running on
// a shared database are told apart and left alone.
type AbandonedStore interface {
	// FailAbandoned fails, in one transaction, every queued or running
	// job and trace whose heartbeat (its creation time when it has none:
	// a row written before heartbeats were) is older than cutoff: state
	// failed, finished at now, the error AbandonedJobError or
	// AbandonedTraceError of its last heartbeat. It returns how many of
	// each it failed.
	FailAbandoned(ctx context.Context, cutoff, now time.Time) (jobs, traces int64, err error)
}

// AbandonedJobError is the error of a job failed as abandoned, last heard
// of at lastHeard.
func AbandonedJobError(lastHeard time.Time) string {
	return "abandoned: the process running it stopped without finishing (last heard of at " +
		lastHeard.UTC().Format(time.RFC3339) + "); the statuses it left due are recomputed by the next job"
}

// AbandonedTraceError is the error of a trace failed as abandoned, last
// heard of at lastHeard.
func AbandonedTraceError(lastHeard time.Time) string {
	return "abandoned: the process running it stopped without finishing (last heard of at " +
		lastHeard.UTC().Format(time.RFC3339) + "); the trace kept no findings: start it again"
}

// DueStatus is one due status taken by a recompute, with what evaluating
// it needs.
type DueStatus struct {
	PersonID int64
	Prev     *Status // the stored status
	// Facts as the store's Facts reads them, except that its records are
	// read by person id and carry no PersonKey: evaluating needs none.
	Facts Facts
}

// DueChunk is a set of due statuses taken by one recompute, in person
// order. They stay locked against every other writer until the chunk is
// written back, so no other recompute takes them and no due mark set
// meanwhile can be lost.
type DueChunk struct {
	Statuses []DueStatus
}

// RecomputeStore is what the bulk recompute needs of the store.
type RecomputeStore interface {
	JobStore
	// CountDue counts the statuses due at now.
	CountDue(ctx context.Context, now time.Time) (int64, error)
	// RecomputeDue takes, in one transaction, up to limit statuses due at
	// now, locked against every other writer (rows that another
	// recompute holds are skipped), reads their facts as of now, calls
	// judge, writes statuses[i] for c.Statuses[i] (when unchanged[i] only
	// the due mark is cleared to statuses[i].ReevaluateAt) and commits. It
	// returns how many it took: 0 means nothing is due. On an error
	// nothing is written.
	RecomputeDue(ctx context.Context, now time.Time, limit int,
		judge func(c *DueChunk) (statuses []*Status, unchanged []bool, err error)) (int, error)
	// ChangeRiskAreas replaces the region's risk area list and, in the
	// same transaction, marks due every person with a travel record or a
	// declared stay, ending within lookback before now or later, in a
	// division whose risk entries changed. It returns how many it marked.
	ChangeRiskAreas(ctx context.Context, areas []RiskArea, now time.Time, lookback time.Duration) (touched int64, err error)
	RiskAreas(ctx context.Context) ([]RiskArea, error)
	// MarkAllDue marks every stored status due at now (the region's
	// policy changed) and returns how many it marked.
	MarkAllDue(ctx context.Context, now time.Time) (int64, error)
}

// RiskAreaService replaces and lists the region's risk areas.
type RiskAreaService interface {
	// ChangeRiskAreas validates and replaces the list, marks due the
	// people whose stays it touches and starts a recompute job for them.
	ChangeRiskAreas(ctx context.Context, areas []RiskArea) (job *Job, touched int64, err error)
	RiskAreas(ctx context.Context) ([]RiskArea, error)
}
