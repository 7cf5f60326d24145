package sqlstore_test

import (
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// openRow is a job or trace row of the sweep's test: stored with state,
// created at created, then heard of as beat says.
type openRow struct {
	name    string
	state   string
	created time.Time
	// beat writes the row's heartbeat after its creation (nil: none but
	// the creation's).
	beat func(t *testing.T, db *sqlstore.DB, r *rowOf)
	// heard is when the row was last heard of; the zero time when the
	// sweep must leave it as it is.
	heard time.Time
}

// rowOf is a stored row and its kind.
type rowOf struct {
	trace bool
	id    int64
	job   *healthcode.Job
	tr    *healthcode.Trace
}

func (r *rowOf) update(t *testing.T, db *sqlstore.DB, now time.Time) {
	t.Helper()
	var err error
	if r.trace {
		err = db.UpdateTrace(ctx, r.tr, now)
	} else {
		err = db.UpdateJob(ctx, r.job, now)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (r *rowOf) touch(t *testing.T, db *sqlstore.DB, now time.Time) {
	t.Helper()
	var err error
	if r.trace {
		err = db.TouchTraces(ctx, []int64{r.id}, now)
	} else {
		err = db.TouchJobs(ctx, []int64{r.id}, now)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (r *rowOf) table() string {
	if r.trace {
		return "traces"
	}
	return "jobs"
}

// heartbeat reads the row's stored heartbeat.
func (r *rowOf) heartbeat(t *testing.T, db *sqlstore.DB) time.Time {
	t.Helper()
	var v int64
	if err := db.SQL().QueryRow(`SELECT heartbeat_at FROM `+r.table()+` WHERE id = $1`, r.id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// read returns the row's state, error and finish as stored.
func (r *rowOf) read(t *testing.T, db *sqlstore.DB) (state, errText string, finished time.Time) {
	t.Helper()
	if r.trace {
		tr := mustFindTrace(t, db, r.id)
		return tr.State, tr.Error, tr.FinishedAt
	}
	j, err := db.FindJob(ctx, r.id)
	if err != nil {
		t.Fatal(err)
	}
	return j.State, j.Error, j.FinishedAt
}

// The sweep fails every queued or running job and trace last heard of
// before the cutoff, each with the time it was last heard of, and nothing
// else: not a row heard of since (written while it ran, or touched), not
// a row that ended, whatever its age; a row without a heartbeat (written
// before heartbeats were) is judged by its creation. A second sweep finds
// nothing more.
func TestFailAbandoned(t *testing.T) {
	db := storetest.MustOpenDB(t)
	cutoff := us(t0)
	now := cutoff.Add(2 * time.Minute)
	old, fresh := cutoff.Add(-10*time.Minute), cutoff.Add(30*time.Second)
	at := func(when time.Time) func(t *testing.T, db *sqlstore.DB, r *rowOf) {
		return func(t *testing.T, db *sqlstore.DB, r *rowOf) { r.update(t, db, when) }
	}
	rows := []openRow{
		{name: "queued, never heard of since its creation", state: healthcode.JobQueued, created: old, heard: old},
		{name: "running, last written long ago", state: healthcode.JobRunning, created: old,
			beat: at(cutoff.Add(-time.Minute)), heard: cutoff.Add(-time.Minute)},
		{name: "running, written since the cutoff", state: healthcode.JobRunning, created: old, beat: at(fresh)},
		{name: "queued, touched since the cutoff", state: healthcode.JobQueued, created: old,
			beat: func(t *testing.T, db *sqlstore.DB, r *rowOf) { r.touch(t, db, fresh) }},
		{name: "running, touched before the cutoff", state: healthcode.JobRunning, created: old,
			beat:  func(t *testing.T, db *sqlstore.DB, r *rowOf) { r.touch(t, db, old.Add(time.Minute)) },
			heard: old.Add(time.Minute)},
		{name: "queued, created since the cutoff", state: healthcode.JobQueued, created: fresh},
		{name: "done long ago", state: healthcode.JobDone, created: old, beat: at(old)},
		{name: "failed long ago", state: healthcode.JobFailed, created: old, beat: at(old)},
		{name: "running, no heartbeat, created long ago", state: healthcode.JobRunning, created: old,
			beat: noHeartbeat, heard: old},
		{name: "running, no heartbeat, created since the cutoff", state: healthcode.JobRunning, created: fresh,
			beat: noHeartbeat},
	}
	type stored struct {
		openRow
		*rowOf
		state, err string
		finished   time.Time
	}
	var all []stored
	var wantJobs, wantTraces int64
	for _, trace := range []bool{false, true} {
		for _, c := range rows {
			r := &rowOf{trace: trace}
			var errText string
			var finished time.Time
			if c.state == healthcode.JobFailed {
				errText = "database unavailable"
			}
			if c.state == healthcode.JobDone || c.state == healthcode.JobFailed {
				finished = c.created.Add(time.Second)
			}
			if trace {
				r.tr = &healthcode.Trace{State: c.state, Cases: []healthcode.TraceCase{}, CreatedAt: c.created,
					Visits: []healthcode.Visit{}, Exposures: []healthcode.Exposure{}, Error: errText, FinishedAt: finished}
				if err := db.CreateTrace(ctx, r.tr); err != nil {
					t.Fatal(err)
				}
				r.id = r.tr.ID
			} else {
				r.job = &healthcode.Job{Kind: "recompute", Reason: c.name, State: c.state, CreatedAt: c.created,
					Error: errText, FinishedAt: finished}
				if err := db.CreateJob(ctx, r.job); err != nil {
					t.Fatal(err)
				}
				r.id = r.job.ID
			}
			if got := r.heartbeat(t, db); !got.Equal(c.created) {
				t.Fatalf("%s %s: created with the heartbeat %v, want its creation %v", r.table(), c.name, got, c.created)
			}
			if c.beat != nil {
				c.beat(t, db, r)
			}
			s := stored{openRow: c, rowOf: r}
			s.state, s.err, s.finished = r.read(t, db)
			all = append(all, s)
			if !c.heard.IsZero() {
				if trace {
					wantTraces++
				} else {
					wantJobs++
				}
			}
		}
	}

	jobs, traces, err := db.FailAbandoned(ctx, cutoff, now)
	if err != nil {
		t.Fatal(err)
	}
	if jobs != wantJobs || traces != wantTraces {
		t.Errorf("failed %d jobs and %d traces, want %d and %d", jobs, traces, wantJobs, wantTraces)
	}
	for _, s := range all {
		state, errText, finished := s.read(t, db)
		if s.heard.IsZero() {
			if state != s.state || errText != s.err || !finished.Equal(s.finished) {
				t.Errorf("%s %s: %s, %q, finished %v; want it left %s, %q, finished %v", s.table(), s.name,
					state, errText, finished, s.state, s.err, s.finished)
			}
			continue
		}
		want := healthcode.AbandonedJobError(s.heard)
		if s.trace {
			want = healthcode.AbandonedTraceError(s.heard)
		}
		if state != healthcode.JobFailed || errText != want || !finished.Equal(now) {
			t.Errorf("%s %s: %s, %q, finished %v; want failed, %q, finished %v", s.table(), s.name,
				state, errText, finished, want, now)
		}
	}

	// The rows failed are not failed again, nor touched.
	if jobs, traces, err := db.FailAbandoned(ctx, cutoff, now.Add(time.Minute)); err != nil || jobs != 0 || traces != 0 {
		t.Errorf("a second sweep failed %d jobs and %d traces (%v), want none", jobs, traces, err)
	}
	for _, s := range all {
		if s.state != healthcode.JobDone && s.state != healthcode.JobFailed && !s.heard.IsZero() {
			before := s.heartbeat(t, db)
			s.touch(t, db, now.Add(time.Hour))
			if got := s.heartbeat(t, db); !got.Equal(before) {
				t.Errorf("%s %s: touched after it failed, its heartbeat moved from %v to %v", s.table(), s.name, before, got)
			}
		}
	}
}

// noHeartbeat clears a row's heartbeat, as a row written before
// heartbeats were has none.
func noHeartbeat(t *testing.T, db *sqlstore.DB, r *rowOf) {
	t.Helper()
	if _, err := db.SQL().Exec(`UPDATE `+r.table()+` SET heartbeat_at = 0 WHERE id = $1`, r.id); err != nil {
		t.Fatal(err)
	}
}

// TouchJobs and TouchTraces set the heartbeat of many rows in one call,
// and of none with no ids.
func TestTouchMany(t *testing.T) {
	db := storetest.MustOpenDB(t)
	created, later := us(t0), us(t0).Add(time.Minute)
	var jobs, traces []*rowOf
	for range 3 {
		j := &healthcode.Job{Kind: "recompute", Reason: "test", State: healthcode.JobQueued, CreatedAt: created}
		if err := db.CreateJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, &rowOf{id: j.ID, job: j})
		tr := &healthcode.Trace{State: healthcode.JobRunning, Cases: []healthcode.TraceCase{}, CreatedAt: created}
		if err := db.CreateTrace(ctx, tr); err != nil {
			t.Fatal(err)
		}
		traces = append(traces, &rowOf{trace: true, id: tr.ID, tr: tr})
	}
	if err := db.TouchJobs(ctx, nil, later); err != nil {
		t.Fatal(err)
	}
	if err := db.TouchJobs(ctx, []int64{jobs[0].id, jobs[2].id}, later); err != nil {
		t.Fatal(err)
	}
	if err := db.TouchTraces(ctx, []int64{traces[1].id, traces[2].id}, later); err != nil {
		t.Fatal(err)
	}
	for i, want := range []time.Time{later, created, later} {
		if got := jobs[i].heartbeat(t, db); !got.Equal(want) {
			t.Errorf("job %d: heartbeat %v, want %v", i, got, want)
		}
	}
	for i, want := range []time.Time{created, later, later} {
		if got := traces[i].heartbeat(t, db); !got.Equal(want) {
			t.Errorf("trace %d: heartbeat %v, want %v", i, got, want)
		}
	}
}
