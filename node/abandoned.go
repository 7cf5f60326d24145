package node

import (
	"context"
	"log/slog"
	"time"

	"github.com/healthcode/healthcode"
)

// DefaultAbandonAfter is how long a queued or running job or trace may go
// unheard of before a sweep takes its process for dead: several missed
// heartbeats (DefaultHeartbeatEvery), so a slow write or a busy store is
// not taken for a death.
const DefaultAbandonAfter = 2 * time.Minute

// DefaultAbandonSweep is how often serve looks for abandoned rows.
const DefaultAbandonSweep = time.Minute

// AbandonedSweep fails the jobs and traces left queued or running by a
// process that died without a clean shutdown, so that whoever follows
// them sees them end. A live process's rows, its own or another's on a
// shared store, have fresh heartbeats and are left alone.
type AbandonedSweep struct {
	Store  healthcode.AbandonedStore
	Now    func() time.Time
	Logger *slog.Logger
	// Metrics count the rows failed; nil counts nothing.
	Metrics *Metrics
	// After is how long a row may go unheard of; default
	// DefaultAbandonAfter. It must be well above the heartbeat of every
	// process sharing the store.
	After time.Duration
}

// Sweep fails the abandoned rows once and returns how many jobs and
// traces it failed.
func (s *AbandonedSweep) Sweep(ctx context.Context) (jobs, traces int64, err error) {
	after := s.After
	if after <= 0 {
		after = DefaultAbandonAfter
	}
	now := s.Now()
	jobs, traces, err = s.Store.FailAbandoned(ctx, now.Add(-after), now)
	if err != nil {
		return 0, 0, err
	}
	s.Metrics.abandoned(jobs, traces)
	if jobs > 0 || traces > 0 {
		s.logger().WarnContext(ctx, "jobs and traces left by a process that stopped without finishing them failed as abandoned",
			"jobs", jobs, "traces", traces, "unheard_of_for", after.String())
	}
	return jobs, traces, nil
}

// Run sweeps at once, then every interval until ctx ends.
func (s *AbandonedSweep) Run(ctx context.Context, interval time.Duration) {
	every(ctx, interval, true, func() {
		if _, _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.logger().ErrorContext(ctx, "the sweep of abandoned jobs failed", "err", err)
		}
	})
}

func (s *AbandonedSweep) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
