package node_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/sqlstore"
)

// stall holds the first job at its count of what is due until proceed is
// closed (counting is closed when it gets there), then at the judging of
// its at-th chunk (from 1) until the job's context ends (reached is closed
// when it gets there), or the test's.
type stall struct {
	at       int32
	judged   atomic.Int32
	counted  atomic.Int32
	counting chan struct{}
	proceed  chan struct{}
	reached  chan struct{}
	abort    <-chan struct{}
}

func newStall(t *testing.T, at int32) *stall {
	return &stall{at: at, counting: make(chan struct{}), proceed: make(chan struct{}), reached: make(chan struct{}), abort: t.Context().Done()}
}

func (s *stall) count() {
	if s.counted.Add(1) == 1 {
		close(s.counting)
		select {
		case <-s.proceed:
		case <-s.abort:
		}
	}
}

func (s *stall) judge(ctx context.Context) {
	if s.judged.Add(1) == s.at {
		close(s.reached)
		select {
		case <-ctx.Done():
		case <-s.abort:
		}
	}
}

// wait waits for ch, closed by the job when it gets somewhere.
func (s *stall) wait(t *testing.T, ch chan struct{}, where string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("the job never got to %s", where)
	}
}

// pipelinedStall is the store as production runs it: its RecomputeAll
// loops over the chunks (pipelined on SQLite).
type pipelinedStall struct {
	*sqlstore.DB
	*stall
}

func (s pipelinedStall) CountDue(ctx context.Context, now time.Time) (int64, error) {
	s.stall.count()
	return s.DB.CountDue(ctx, now)
}

func (s pipelinedStall) RecomputeAll(ctx context.Context, now func() time.Time, limit int,
	judge func(c *healthcode.DueChunk, now time.Time) ([]*healthcode.Status, []bool, error),
	done func(c *healthcode.DueChunk) error) error {
	return s.DB.RecomputeAll(ctx, now, limit, func(c *healthcode.DueChunk, now time.Time) ([]*healthcode.Status, []bool, error) {
		s.stall.judge(ctx)
		return judge(c, now)
	}, done)
}

// chunkStall hides RecomputeAll: the job takes one chunk a call of
// RecomputeDue, as over any other store.
type chunkStall struct {
	healthcode.RecomputeStore
	*stall
}

func (s chunkStall) CountDue(ctx context.Context, now time.Time) (int64, error) {
	s.stall.count()
	return s.RecomputeStore.CountDue(ctx, now)
}

func (s chunkStall) RecomputeDue(ctx context.Context, now time.Time, limit int,
	judge func(c *healthcode.DueChunk) ([]*healthcode.Status, []bool, error)) (int, error) {
	return s.RecomputeStore.RecomputeDue(ctx, now, limit, func(c *healthcode.DueChunk) ([]*healthcode.Status, []bool, error) {
		s.stall.judge(ctx)
		return judge(c)
	})
}

// openJobs counts the job rows left queued or running.
func (e *env) openJobs(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.db.SQL().QueryRow(`SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A node stopping (Close) while a recompute job is mid-run, with another
// queued behind it: Close returns well within its bound; both rows say
// they were interrupted by the node stopping, and none stays queued or
// running; every status is either recomputed and no longer due or as it
// was and still due, by whole chunks, as many as the job counts; after it
// no job starts, with EUNAVAILABLE (503); and the next process's job
// recomputes what was left.
func TestCloseInterruptsRecompute(t *testing.T) {
	const n, chunk = 60, 7
	for _, c := range []struct {
		name string
		wrap func(db *sqlstore.DB, s *stall) healthcode.RecomputeStore
	}{
		{"pipelined", func(db *sqlstore.DB, s *stall) healthcode.RecomputeStore { return pipelinedStall{db, s} }},
		{"chunk by chunk", func(db *sqlstore.DB, s *stall) healthcode.RecomputeStore { return chunkStall{db, s} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			now := e.clock.Now()
			ids := seedCity(t, e.db, 1, n, now, func(int) cityPerson {
				return cityPerson{prev: &healthcode.Status{Colour: healthcode.Red, Since: now.Add(-time.Hour), ReevaluateAt: now, PolicyVersion: "old"}}
			})
			s := newStall(t, 3)
			r := &node.Recompute{Store: c.wrap(e.db, s), Citizens: e.citizens, Chunk: chunk}
			running, queued := startRunningAndQueued(t, r, s)
			close(s.proceed)
			s.wait(t, s.reached, "its third chunk")

			stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := r.Close(stopCtx); err != nil {
				t.Fatalf("Close: %v; want the jobs ended within 10 s", err)
			}
			if open := e.openJobs(t); open != 0 {
				t.Fatalf("%d job rows left queued or running", open)
			}
			var done int64
			for _, id := range []int64{running.ID, queued.ID} {
				j, err := e.db.FindJob(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if j.State != healthcode.JobFailed || j.FinishedAt.IsZero() ||
					!strings.Contains(j.Error, "interrupted by the node stopping") || !strings.Contains(j.Error, "recomputed after the restart") {
					t.Errorf("job %d (%s) = %s, %q; want failed, interrupted by the node stopping", id, j.Reason, j.State, j.Error)
				}
				done += j.Done
			}

			var recomputed int64
			for _, id := range ids {
				st, err := e.db.FindStatus(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case st.Colour == healthcode.Green && st.PolicyVersion == e.citizens.Policy.Version && st.ReevaluateAt.After(now):
					recomputed++
				case st.Colour == healthcode.Red && st.PolicyVersion == "old" && !st.ReevaluateAt.After(now):
				default:
					t.Errorf("status %d is half written: %s under %q, due at %v", id, st.Colour, st.PolicyVersion, st.ReevaluateAt)
				}
			}
			if recomputed == 0 || recomputed == n || recomputed%chunk != 0 {
				t.Errorf("%d statuses recomputed; want whole chunks of %d before the third, not all %d", recomputed, chunk, n)
			}
			if done != recomputed {
				t.Errorf("the jobs count %d statuses done, the store holds %d recomputed", done, recomputed)
			}
			if due := e.due(t); due != n-recomputed {
				t.Errorf("%d statuses due, want the %d not recomputed", due, n-recomputed)
			}

			// Closed: nothing starts, and nothing is stored for it.
			refused := []struct {
				name string
				call func() error
			}{
				{"Recompute", func() error { _, err := r.Recompute(ctx, "import tests"); return err }},
				{"Recompute, joining", func() error {
					_, err := r.Recompute(healthcode.NewContextWithCaller(ctx, &healthcode.Caller{TokenID: 2}), "import cases")
					return err
				}},
				{"Run", func() error { _, err := r.Run(ctx, "schedule", nil); return err }},
				{"Rejudge", func() error { _, _, err := r.Rejudge(ctx, "policy"); return err }},
				{"ChangeRiskAreas", func() error { _, _, err := r.ChangeRiskAreas(ctx, []healthcode.RiskArea{}); return err }},
			}
			for _, x := range refused {
				if err := x.call(); healthcode.ErrorCode(err) != healthcode.EUNAVAILABLE {
					t.Errorf("%s after Close: %v; want %s", x.name, err, healthcode.EUNAVAILABLE)
				}
			}
			var jobs int
			if err := e.db.SQL().QueryRow(`SELECT count(*) FROM jobs`).Scan(&jobs); err != nil || jobs != 2 {
				t.Errorf("%d job rows after Close (%v), want the 2 interrupted", jobs, err)
			}
			if due := e.due(t); due != n-recomputed {
				t.Errorf("after Close %d statuses due, want %d: a refused call marked some", due, n-recomputed)
			}
			// Closing again waits for nothing.
			if err := r.Close(stopCtx); err != nil {
				t.Errorf("second Close: %v", err)
			}

			// After the restart, the next job takes what is still due.
			again, err := e.recompute().Run(ctx, "schedule", nil)
			if err != nil || again.State != healthcode.JobDone || again.Done != n-recomputed {
				t.Fatalf("the next job = %+v, %v; want done with the %d left", again, err, n-recomputed)
			}
			if due := e.due(t); due != 0 {
				t.Errorf("%d statuses still due after the next job", due)
			}
		})
	}
}

// RunScheduler returns once its Recompute is closed, even while its own
// context goes on (serve's scheduler stops with Close, not with the
// signal).
func TestCloseEndsScheduler(t *testing.T) {
	e := newEnv(t)
	r := e.recompute()
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		r.RunScheduler(context.Background(), time.Hour)
	}()
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduler runs on after Close")
	}
}

// startRunningAndQueued starts a job held by s at its count of what is
// due, then another starter's job, which waits for the first to end. The
// second is made before the first writes chunks: on SQLite a chunk's
// transaction (held while it is judged) stops every writer.
func startRunningAndQueued(t *testing.T, r *node.Recompute, s *stall) (running, queued *healthcode.Job) {
	t.Helper()
	ctx := context.Background()
	running, err := r.Recompute(healthcode.NewContextWithCaller(ctx, &healthcode.Caller{TokenID: 1}), "import tests")
	if err != nil {
		t.Fatal(err)
	}
	s.wait(t, s.counting, "its count of what is due")
	queued, err = r.Recompute(healthcode.NewContextWithCaller(ctx, &healthcode.Caller{TokenID: 2}), "import cases")
	if err != nil {
		t.Fatal(err)
	}
	return running, queued
}
