package node

import (
	"context"
	"time"
)

// purgeChunk is how many scans one purge transaction deletes: small enough
// not to hold the write lock long against the checkpoints.
const purgeChunk = 5000

// PurgeScans deletes the scans older than retention, a chunk at a time,
// and returns how many.
func (s *ScanService) PurgeScans(ctx context.Context, retention time.Duration) (int64, error) {
	before := s.Now().Add(-retention)
	var total int64
	for {
		n, err := s.Store.PurgeScans(ctx, before, purgeChunk)
		total += n
		if err != nil || n < purgeChunk {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// RunPurge purges scans past retention every interval until ctx ends.
func (s *ScanService) RunPurge(ctx context.Context, retention, interval time.Duration) {
	every(ctx, interval, true, func() {
		n, err := s.PurgeScans(ctx, retention)
		switch {
		case err != nil && ctx.Err() == nil:
			s.Logger.ErrorContext(ctx, "scan log purge failed", "err", err, "purged", n)
		case n > 0:
			s.Logger.InfoContext(ctx, "scan log purged", "scans", n, "retention", retention.String())
		}
	})
}
