package node_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/status"
)

// stallingTraces holds a trace at its first case's look-up until the
// trace's context ends, and closes reached when it gets there.
type stallingTraces struct {
	node.TraceApplyStore
	once    sync.Once
	reached chan struct{}
}

func (s *stallingTraces) FindPersonByIDNumber(ctx context.Context, idNumber string) (int64, error) {
	s.once.Do(func() { close(s.reached) })
	<-ctx.Done()
	return 0, ctx.Err()
}

// A node stopping (Close) while a trace runs: Close returns well within
// its bound, the trace is stored failed, interrupted by the node stopping,
// not running; after it no trace starts, with EUNAVAILABLE (503).
func TestCloseInterruptsTrace(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tr := &node.TraceService{Region: region, Rules: status.DefaultPolicy().TraceRules, Now: e.clock.Now}
	cases := []healthcode.TraceCase{{IDType: healthcode.IDResident, IDNumber: idNumberOf(1)}}
	started := startStalledTrace(t, e, tr, cases)

	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := tr.Close(stopCtx); err != nil {
		t.Fatalf("Close: %v; want the trace ended within 10 s", err)
	}
	got, err := e.db.FindTrace(ctx, started.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != healthcode.JobFailed || got.FinishedAt.IsZero() || !strings.Contains(got.Error, "interrupted by the node stopping") {
		t.Fatalf("trace = %s, %q; want failed, interrupted by the node stopping", got.State, got.Error)
	}

	if _, err := tr.StartTrace(ctx, cases); healthcode.ErrorCode(err) != healthcode.EUNAVAILABLE {
		t.Fatalf("StartTrace after Close: %v; want %s", err, healthcode.EUNAVAILABLE)
	}
	var traces int
	if err := e.db.SQL().QueryRow(`SELECT count(*) FROM traces`).Scan(&traces); err != nil || traces != 1 {
		t.Errorf("%d traces stored (%v), want only the interrupted one", traces, err)
	}
}

// startStalledTrace starts a trace of cases on tr, over e's store, that
// stops at its first look-up of a case, and returns once it is there.
func startStalledTrace(t *testing.T, e *env, tr *node.TraceService, cases []healthcode.TraceCase) *healthcode.Trace {
	t.Helper()
	store := &stallingTraces{TraceApplyStore: e.db, reached: make(chan struct{})}
	tr.Store = store
	started, err := tr.StartTrace(context.Background(), cases)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-store.reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the trace never looked its case up")
	}
	return started
}
