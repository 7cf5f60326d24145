package node

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"
)

// DefaultHeartbeatEvery is how often a process touches the rows of its
// queued and running jobs and traces. A job queued behind another writes
// nothing of its own, and a running one only between chunks: without the
// touch, a sweep (AbandonedSweep) could not tell it from a dead process's.
const DefaultHeartbeatEvery = 20 * time.Second

// heartbeat touches the rows of a service's live jobs, all in one
// statement, every so often, while it has any. The zero value is ready.
type heartbeat struct {
	mu   sync.Mutex
	live map[int64]struct{}
	stop context.CancelFunc // ends the loop; nil while none runs
	done chan struct{}      // closed once the loop has returned
}

// touchFunc sets the heartbeat of the rows of ids (TouchJobs, TouchTraces).
type touchFunc func(ctx context.Context, ids []int64) error

// add counts row id live, starting the loop when none runs, and returns
// what ends it. Once the last live row ends, the loop stops, and ending it
// returns only after the loop has: nothing of h touches the store after
// the service's jobs are over.
func (h *heartbeat) add(id int64, every time.Duration, touch touchFunc, logger *slog.Logger) (end func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.live == nil {
		h.live = map[int64]struct{}{}
	}
	h.live[id] = struct{}{}
	if h.stop == nil {
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		h.stop, h.done = stop, done
		go h.loop(ctx, every, touch, logger, done)
	}
	return sync.OnceFunc(func() { h.remove(id) })
}

func (h *heartbeat) remove(id int64) {
	h.mu.Lock()
	delete(h.live, id)
	if len(h.live) > 0 || h.stop == nil {
		h.mu.Unlock()
		return
	}
	stop, done := h.stop, h.done
	h.stop, h.done = nil, nil
	h.mu.Unlock()
	stop() // a touch under way is cancelled
	<-done
}

func (h *heartbeat) ids() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Collect(maps.Keys(h.live))
}

func (h *heartbeat) loop(ctx context.Context, interval time.Duration, touch touchFunc, logger *slog.Logger, done chan struct{}) {
	defer close(done)
	every(ctx, interval, false, func() {
		// A missed beat or two is no harm: the sweep waits for several.
		if err := touch(ctx, h.ids()); err != nil && ctx.Err() == nil {
			logger.WarnContext(ctx, "the heartbeat of live jobs was not stored", "err", err)
		}
	})
}
