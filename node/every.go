package node

import (
	"context"
	"time"
)

// every calls fn at each interval until ctx ends; with atOnce, first at
// once. The background loops of a node (way 1, the trust list, sweeps and
// purges, heartbeats) all run on it.
func every(ctx context.Context, interval time.Duration, atOnce bool, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	if atOnce {
		fn()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn()
	}
}
