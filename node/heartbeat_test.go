package node_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/status"
	"github.com/prometheus/client_golang/prometheus"
)

// waitHeartbeat waits until the heartbeat of row id of table is at least
// want, and fails the test when it is not within 10 s.
func (e *env) waitHeartbeat(t *testing.T, table string, id int64, want time.Time) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var at int64
		if err := e.db.SQL().QueryRow(`SELECT heartbeat_at FROM `+table+` WHERE id = $1`, id).Scan(&at); err != nil {
			t.Fatal(err)
		}
		if at >= want.UnixMicro() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %d: heartbeat at %v after 10 s, want %v", table, id, time.UnixMicro(at).UTC(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// abandonedCount reads healthcode_jobs_abandoned_total{kind} of reg.
func abandonedCount(t *testing.T, reg *prometheus.Registry, kind string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "healthcode_jobs_abandoned_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no healthcode_jobs_abandoned_total{kind=%q}", kind)
	return 0
}

// A job queued behind a running one writes nothing of its own, yet its
// row's heartbeat keeps up with the clock, as the running one's does: a
// sweep with a cutoff well past their creation leaves both alone, while
// it fails a row nobody touches; Close still leaves no row queued or
// running.
func TestHeartbeatKeepsQueuedJobs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	e.citizens.Metrics = node.NewMetrics(reg)
	s := newStall(t, 1)
	r := &node.Recompute{Store: chunkStall{e.db, s}, Citizens: e.citizens, HeartbeatEvery: 10 * time.Millisecond}
	running, queued := startRunningAndQueued(t, r, s)
	// A row of a process that died: nothing touches it.
	dead := &healthcode.Job{Kind: "recompute", Reason: "schedule", State: healthcode.JobRunning, CreatedAt: e.clock.Now()}
	if err := e.db.CreateJob(ctx, dead); err != nil {
		t.Fatal(err)
	}

	e.clock.Add(10 * time.Minute)
	now := e.clock.Now()
	e.waitHeartbeat(t, "jobs", running.ID, now)
	e.waitHeartbeat(t, "jobs", queued.ID, now)
	sweep := &node.AbandonedSweep{Store: e.db, Now: e.clock.Now, After: time.Minute, Metrics: e.citizens.Metrics}
	jobs, traces, err := sweep.Sweep(ctx)
	if err != nil || jobs != 1 || traces != 0 {
		t.Fatalf("the sweep failed %d jobs and %d traces (%v), want only the dead one", jobs, traces, err)
	}
	if n := abandonedCount(t, reg, "recompute"); n != 1 {
		t.Errorf("healthcode_jobs_abandoned_total{kind=recompute} = %v, want 1", n)
	}
	for _, id := range []int64{running.ID, queued.ID} {
		if j, err := e.db.FindJob(ctx, id); err != nil || j.State != healthcode.JobQueued {
			t.Errorf("job %d after the sweep: %+v, %v; want still queued", id, j, err)
		}
	}
	if j, err := e.db.FindJob(ctx, dead.ID); err != nil || j.State != healthcode.JobFailed ||
		!strings.HasPrefix(j.Error, "abandoned: the process running it stopped without finishing") {
		t.Errorf("the dead job after the sweep: %+v, %v; want failed, abandoned", j, err)
	}

	close(s.proceed)
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.Close(stopCtx); err != nil {
		t.Fatal(err)
	}
	if open := e.openJobs(t); open != 0 {
		t.Errorf("%d job rows left queued or running after Close", open)
	}
}

// A running trace's row keeps its heartbeat up with the clock until it
// ends; the sweep leaves it alone and Close fails it as interrupted.
func TestHeartbeatKeepsRunningTraces(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tr := &node.TraceService{Region: region, Rules: status.DefaultPolicy().TraceRules, Now: e.clock.Now,
		HeartbeatEvery: 10 * time.Millisecond}
	started := startStalledTrace(t, e, tr, []healthcode.TraceCase{{IDType: healthcode.IDResident, IDNumber: idNumberOf(1)}})

	e.clock.Add(10 * time.Minute)
	e.waitHeartbeat(t, "traces", started.ID, e.clock.Now())
	sweep := &node.AbandonedSweep{Store: e.db, Now: e.clock.Now, After: time.Minute}
	if jobs, traces, err := sweep.Sweep(ctx); err != nil || jobs != 0 || traces != 0 {
		t.Fatalf("the sweep failed %d jobs and %d traces (%v), want none", jobs, traces, err)
	}

	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := tr.Close(stopCtx); err != nil {
		t.Fatal(err)
	}
	got, err := e.db.FindTrace(ctx, started.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != healthcode.JobFailed || !strings.Contains(got.Error, "interrupted by the node stopping") {
		t.Errorf("trace after Close = %s, %q; want failed, interrupted by the node stopping", got.State, got.Error)
	}
}
