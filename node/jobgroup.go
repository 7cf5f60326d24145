package node

import (
	"context"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
)

// jobRowTimeout bounds the last write of an interrupted job's row (or
// trace's): the job's own context is over by then.
const jobRowTimeout = 5 * time.Second

// jobRowContext is the context a job's last row is written in: not ended
// with ctx, so that no row stays running, but bounded, as the store may be
// going away too.
func jobRowContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), jobRowTimeout)
}

// errStopping ends the jobs of a closed service, and answers whoever asks
// for a new one afterwards.
var errStopping = healthcode.Errorf(healthcode.EUNAVAILABLE, "the node is stopping: no new job starts until it is back")

// jobGroup is the jobs of a service: those it runs in the background and
// those its callers wait for. close cancels them all, waits for them and
// refuses new ones, so that nothing of the service touches the store once
// the process closes it. The zero value is ready.
type jobGroup struct {
	mu      sync.Mutex
	closed  bool
	cancels map[int]context.CancelCauseFunc // of the contexts bound and not released
	next    int                             // key of the next in cancels
	active  int                             // jobs started and not ended
	idle    chan struct{}                   // closed when active falls to 0; nil while nobody waits
}

// start counts a new job and returns its context, parent's but ended also
// by close; end must be called once the job is over (its row written).
// It refuses with errStopping once the group is closed.
func (g *jobGroup) start(parent context.Context) (ctx context.Context, end func(), err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, nil, errStopping
	}
	g.active++
	ctx, release := g.bindLocked(parent)
	return ctx, func() {
		release()
		g.ended()
	}, nil
}

// bind returns parent's context ended also by close (at once when closed
// already), without counting a job: for a loop that starts jobs. release
// frees it.
func (g *jobGroup) bind(parent context.Context) (ctx context.Context, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.bindLocked(parent)
}

func (g *jobGroup) bindLocked(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	if g.closed {
		cancel(errStopping)
		return ctx, func() {}
	}
	if g.cancels == nil {
		g.cancels = map[int]context.CancelCauseFunc{}
	}
	key := g.next
	g.next++
	g.cancels[key] = cancel
	return ctx, func() {
		g.mu.Lock()
		delete(g.cancels, key)
		g.mu.Unlock()
		cancel(nil)
	}
}

func (g *jobGroup) ended() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.active--; g.active == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
}

// closing reports whether close was called.
func (g *jobGroup) closing() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// wait returns when no job runs, or with ctx's error when ctx ends first.
func (g *jobGroup) wait(ctx context.Context) error {
	g.mu.Lock()
	if g.active == 0 {
		g.mu.Unlock()
		return nil
	}
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	idle := g.idle
	g.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close refuses new jobs, ends the running ones with errStopping (every
// one before it waits: a job queued behind another never starts its
// work) and waits for them as wait does. Closing again only waits.
func (g *jobGroup) close(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	for key, cancel := range g.cancels {
		cancel(errStopping)
		delete(g.cancels, key)
	}
	g.mu.Unlock()
	return g.wait(ctx)
}
