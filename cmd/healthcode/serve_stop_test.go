package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// stalledRecompute is a store whose recompute jobs stop at their first
// chunk's judging until their context ends (or the test's); reached is
// closed when one gets there.
type stalledRecompute struct {
	*sqlstore.DB
	reached chan struct{}
	abort   <-chan struct{}
}

func (s stalledRecompute) RecomputeAll(ctx context.Context, now func() time.Time, limit int,
	judge func(c *healthcode.DueChunk, now time.Time) ([]*healthcode.Status, []bool, error),
	done func(c *healthcode.DueChunk) error) error {
	return s.DB.RecomputeAll(ctx, now, limit, func(c *healthcode.DueChunk, now time.Time) ([]*healthcode.Status, []bool, error) {
		select {
		case <-s.reached:
		default:
			close(s.reached)
		}
		select {
		case <-ctx.Done():
		case <-s.abort:
		}
		return judge(c, now)
	}, done)
}

// openJobRows counts the job rows of db left queued or running.
func openJobRows(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantInterrupted checks that job id of db was stored failed, interrupted
// by the node stopping, and that no job row is left queued or running.
func wantInterrupted(t *testing.T, db *sqlstore.DB, id int64) {
	t.Helper()
	j, err := db.FindJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != healthcode.JobFailed || !strings.Contains(j.Error, "interrupted by the node stopping") ||
		!strings.Contains(j.Error, "recomputed after the restart") {
		t.Errorf("job %d = %s, %q; want failed, interrupted by the node stopping", id, j.State, j.Error)
	}
	if open := openJobRows(t, db); open != 0 {
		t.Errorf("%d job rows left queued or running", open)
	}
}

// A node stopped (SIGTERM) while the recompute of an import runs: serve
// exits 0 within its bound, its log says what was interrupted, and the
// store holds the job failed, interrupted by the node stopping, with no
// job row left running and the citizen's status still due for the next
// start.
func TestServeStopsARunningRecompute(t *testing.T) {
	stalled := stalledRecompute{reached: make(chan struct{}), abort: t.Context().Done()}
	wrapRecomputeStore = func(st healthcode.RecomputeStore) healthcode.RecomputeStore {
		stalled.DB = st.(*sqlstore.DB)
		return stalled
	}
	t.Cleanup(func() { wrapRecomputeStore = nil })

	dir := t.TempDir()
	addr := freeAddr(t)
	store := []string{"--data", filepath.Join(dir, "data")}
	if dsn := storetest.MustDSN(t); dsn != "" {
		store = append(store, "--db", dsn)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	exited := make(chan int, 1)
	log := &lockedWriter{w: &bytes.Buffer{}}
	args := append([]string{"serve", "--dev", "--addr", addr, "--sweep-interval", "1h"}, store...)
	go func() { exited <- run(ctx, args, io.Discard, log) }()
	defer func() {
		if t.Failed() {
			log.mu.Lock()
			t.Logf("serve log:\n%s", log.w)
			log.mu.Unlock()
		}
	}()
	n := &servedNode{base: "http://" + addr, api: "http://" + addr + "/api/v1", store: store}
	waitHealthy(t, n.base, exited)

	lab := n.token(t, "--role", "provider", "--kind", "tests", "--name", "lab")
	citizen := n.signIn(t, "13800138000")
	call(t, "PUT", n.api+"/me/profile", citizen, `{"name":"张三丰","id_type":"resident_id","id_number":"11010519491231002X"}`, 200, nil)
	call(t, "POST", n.api+"/me/declarations", citizen, `{"case_contact":"no"}`, 201, nil)
	sampled := time.Now().Add(-6 * time.Hour).Format(time.RFC3339)
	file := "id,id_number,sampled_at,reported_at,result,lab\n" +
		"t-1,11010519491231002X," + sampled + "," + time.Now().Add(-time.Hour).Format(time.RFC3339) + ",positive,City Lab\n"
	status, out := request(t, "POST", n.api+"/records/tests", lab, "text/csv", []byte(file))
	job, _ := out["job_id"].(float64)
	if status != 200 || job == 0 {
		t.Fatalf("import: %d %v, want a recompute job", status, out)
	}
	select {
	case <-stalled.reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the import's recompute never started its chunk")
	}

	stop() // as SIGTERM does
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("serve exited %d, want 0", code)
		}
	case <-time.After(2 * stopTimeout):
		t.Fatalf("serve did not exit within %v of being stopped", 2*stopTimeout)
	}
	log.mu.Lock()
	text := log.w.(*bytes.Buffer).String()
	log.mu.Unlock()
	for _, want := range []string{`msg="recompute interrupted"`, `reason="import tests"`, `msg="background jobs stopped"`} {
		if !strings.Contains(text, want) {
			t.Errorf("serve's log lacks %s", want)
		}
	}

	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	sf := addStoreFlags(fs)
	if err := fs.Parse(store); err != nil {
		t.Fatal(err)
	}
	db, _, err := openStore(context.Background(), sf)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wantInterrupted(t, db, int64(job))
	if due, err := db.CountDue(context.Background(), time.Now()); err != nil || due != 1 {
		t.Errorf("%d statuses due (%v), want the citizen's, for the next start", due, err)
	}
}
