package node

import (
	"context"
	"time"
)

// Sweep evaluates again, in batches, every stored status whose time has
// come, so that codes turn back on time even for people who do not open
// the app, and returns how many it evaluated. Several nodes may sweep at
// once: evaluating twice gives the same result.
func (s *CitizenService) Sweep(ctx context.Context, batch int) (int, error) {
	done := 0
	for {
		ids, err := s.Store.DueStatuses(ctx, s.Now(), batch)
		if err != nil {
			return done, err
		}
		for _, id := range ids {
			if _, err := s.Evaluate(ctx, id); err != nil {
				return done, err
			}
			done++
		}
		s.Metrics.swept(len(ids))
		if len(ids) < batch || ctx.Err() != nil {
			return done, ctx.Err()
		}
		s.Logger.InfoContext(ctx, "status sweep in progress", "evaluated", done)
	}
}

// RunSweeper sweeps every interval until ctx is done.
func (s *CitizenService) RunSweeper(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := s.Sweep(ctx, 500)
		if err != nil && ctx.Err() == nil {
			s.Logger.ErrorContext(ctx, "status sweep failed", "evaluated", n, "err", err)
		} else if n > 0 {
			s.Logger.InfoContext(ctx, "status sweep done", "evaluated", n)
		}
	}
}
