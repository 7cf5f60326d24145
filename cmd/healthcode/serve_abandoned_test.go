package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/prometheus/client_golang/prometheus"
)

// A node starts over a store holding the rows a killed node left: a job
// running and a trace queued, last heard of an hour ago. Soon after the
// start a client following the job sees it failed, abandoned, saying when
// it was last heard of, and so is the trace; a job another live node runs
// on the same store (heard of just now) is left running. The metric
// counts the rows failed.
func TestServeFailsAbandonedJobs(t *testing.T) {
	ctx := context.Background()
	store := newStoreFlags(t)
	db := nodeStore(t, &servedNode{store: store})
	heard := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
	insert := `INSERT INTO jobs (kind, reason, state, total, done, changed, error, token_id, created_at, started_at,
			finished_at, heartbeat_at)
		VALUES ('recompute', $1, 'running', 10, 3, 0, '', 0, $2, $2, 0, $3) RETURNING id`
	var dead, live int64
	if err := db.SQL().QueryRow(insert, "import tests", heard.Add(-time.Minute).UnixMicro(), heard.UnixMicro()).Scan(&dead); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow(insert, "import cases", heard.UnixMicro(), time.Now().UnixMicro()).Scan(&live); err != nil {
		t.Fatal(err)
	}
	trace := &healthcode.Trace{State: healthcode.JobQueued, Cases: []healthcode.TraceCase{}, CreatedAt: heard}
	if err := db.CreateTrace(ctx, trace); err != nil {
		t.Fatal(err)
	}

	n := startServeOn(t, store)
	admin := n.token(t, "--role", "admin", "--name", "ops")
	var job healthcode.Job
	for deadline := time.Now().Add(30 * time.Second); ; {
		call(t, "GET", n.api+"/jobs/"+strconv.FormatInt(dead, 10), admin, "", 200, &job)
		if job.State != healthcode.JobRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dead node's job still running 30 s after the start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if want := healthcode.AbandonedJobError(heard); job.State != healthcode.JobFailed || job.Error != want || job.FinishedAt.IsZero() {
		t.Errorf("the dead node's job = %s, %q, finished %v; want failed, %q", job.State, job.Error, job.FinishedAt, want)
	}
	// The sweep that failed it was one transaction: the trace and the
	// live job were judged in it too.
	got, err := db.FindTrace(ctx, trace.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := healthcode.AbandonedTraceError(heard); got.State != healthcode.JobFailed || got.Error != want {
		t.Errorf("the dead node's trace = %s, %q; want failed, %q", got.State, got.Error, want)
	}
	if j, err := db.FindJob(ctx, live); err != nil || j.State != healthcode.JobRunning || j.Error != "" {
		t.Errorf("the live node's job = %+v, %v; want left running", j, err)
	}
	for kind, want := range map[string]float64{"recompute": 1, "trace": 1} {
		if got := relMetric(t, n.base+"/metrics", admin, "healthcode_jobs_abandoned_total", `kind="`+kind+`"`); got != want {
			t.Errorf("healthcode_jobs_abandoned_total{kind=%q} = %v, want %v", kind, got, want)
		}
	}
}

// A hub starts hosting a region whose store holds a job a killed hub left
// running: the region's stack fails it as abandoned once it is up, and the
// region's metric counts it.
func TestHostedRegionFailsAbandonedJobs(t *testing.T) {
	const region = "CN-650100"
	ctx := t.Context()
	h := startHostedHub(t)
	runCommand(t, append([]string{"hub", "region", "add", "--id", region, "--name", "乌鲁木齐市", "--mode", "national"}, h.store...)...)
	dir := filepath.Join(h.hosted.DataDir, "regions", region)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	before, err := h.hosted.openStore(ctx, region, dir)
	if err != nil {
		t.Fatal(err)
	}
	heard := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
	dead := &healthcode.Job{Kind: "recompute", Reason: "policy CN-default-1", State: healthcode.JobRunning, CreatedAt: heard}
	err = before.CreateJob(ctx, dead)
	before.Close()
	if err != nil {
		t.Fatal(err)
	}

	if err := h.hosted.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	db := h.hosted.get(region).db
	var j *healthcode.Job
	for deadline := time.Now().Add(30 * time.Second); ; {
		if j, err = db.FindJob(ctx, dead.ID); err != nil {
			t.Fatal(err)
		}
		if j.State != healthcode.JobRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dead hub's job still running 30 s after the region is hosted")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if want := healthcode.AbandonedJobError(heard); j.State != healthcode.JobFailed || j.Error != want {
		t.Errorf("the dead hub's job = %s, %q; want failed, %q", j.State, j.Error, want)
	}
	if got := hostedAbandoned(t, h.reg, region, "recompute"); got != 1 {
		t.Errorf("hosted_healthcode_jobs_abandoned_total{region=%q,kind=\"recompute\"} = %v, want 1", region, got)
	}
}

// hostedAbandoned reads hosted_healthcode_jobs_abandoned_total of region
// and kind in reg.
func hostedAbandoned(t *testing.T, reg *prometheus.Registry, region, kind string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "hosted_healthcode_jobs_abandoned_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["region"] == region && labels["kind"] == kind {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no hosted_healthcode_jobs_abandoned_total{region=%q,kind=%q}", region, kind)
	return 0
}
