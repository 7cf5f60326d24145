package node_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

func (e *env) recompute() *node.Recompute {
	return &node.Recompute{Store: e.db, Citizens: e.citizens, Chunk: 7}
}

func (e *env) colour(t *testing.T, id int64) healthcode.Colour {
	t.Helper()
	st, err := e.db.FindStatus(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st.Colour
}

func (e *env) due(t *testing.T) int64 {
	t.Helper()
	n, err := e.db.CountDue(context.Background(), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A risk area change marks exactly the people with a stay (travel or
// declared) in a division whose entries changed, and the job turns them
// yellow; a stay in an unchanged division or too long ago is not touched.
func TestRiskAreaChangeRecomputesTouchedPeople(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	people := []cityPerson{
		{travel: "420106"},   // 0: in a district of the city that becomes high risk
		{declared: "420100"}, // 1: declared the city itself
		{travel: "310101"},   // 2: in a division whose high-risk entry stays as it is
		{travel: "440100"},   // 3: nowhere near
		{declared: "420106"}, // 4: declared a district of it
	}
	ids := seedCity(t, e.db, 1, len(people), now, func(i int) cityPerson { return people[i] })
	// A stay in the city long before the look-back counts for nobody.
	old := seedCity(t, e.db, 100, 1, now, func(int) cityPerson { return cityPerson{} })[0]
	key := e.personKey(t, old)
	if err := e.db.AddRecords(ctx, &healthcode.RecordBatch{Travel: []healthcode.Travel{
		{PersonKey: key, Division: "420102", From: now.Add(-30 * 24 * time.Hour), To: now.Add(-29 * 24 * time.Hour)}}}); err != nil {
		t.Fatal(err)
	}
	r := e.recompute()
	shanghai := healthcode.RiskArea{Division: "310100", Area: "某街道", Level: healthcode.RiskHigh, From: now.Add(-10 * 24 * time.Hour)}
	if _, _, err := r.ChangeRiskAreas(ctx, []healthcode.RiskArea{shanghai}); err != nil {
		t.Fatal(err)
	}
	waitJobs(t, e)
	if got := e.colour(t, ids[2]); got != healthcode.Yellow {
		t.Fatalf("after the first list, person 2 = %v, want yellow", got)
	}

	wuhan := healthcode.RiskArea{Division: "420100", Area: "某小区", Level: healthcode.RiskHigh, From: now.Add(-5 * 24 * time.Hour)}
	job, touched, err := r.ChangeRiskAreas(ctx, []healthcode.RiskArea{shanghai, wuhan})
	if err != nil {
		t.Fatal(err)
	}
	if touched != 3 {
		t.Fatalf("touched = %d, want 3 (people 0, 1 and 4)", touched)
	}
	if job.ID == 0 || job.Kind != "recompute" {
		t.Fatalf("job = %+v", job)
	}
	waitJobs(t, e)
	want := []healthcode.Colour{healthcode.Yellow, healthcode.Yellow, healthcode.Yellow, healthcode.Green, healthcode.Yellow}
	for i, id := range ids {
		if got := e.colour(t, id); got != want[i] {
			t.Errorf("person %d = %v, want %v", i, got, want[i])
		}
	}
	if e.due(t) != 0 {
		t.Errorf("%d statuses still due after the job", e.due(t))
	}
	done, err := r.Job(ctx, job.ID)
	if err != nil || done.State != healthcode.JobDone || done.Done != 3 || done.Changed != 3 || done.FinishedAt.IsZero() {
		t.Fatalf("job = %+v, %v; want done with 3 evaluated, 3 changed", done, err)
	}

	// Lifting the Wuhan entry touches the same three and turns them back.
	_, touched, err = r.ChangeRiskAreas(ctx, []healthcode.RiskArea{shanghai})
	if err != nil || touched != 3 {
		t.Fatalf("lifting: touched = %d, %v; want 3", touched, err)
	}
	waitJobs(t, e)
	if got := e.colour(t, ids[0]); got != healthcode.Green {
		t.Fatalf("after lifting, person 0 = %v, want green", got)
	}
	// The same list again touches nobody.
	if _, touched, err = r.ChangeRiskAreas(ctx, []healthcode.RiskArea{shanghai}); err != nil || touched != 0 {
		t.Fatalf("same list: touched = %d, %v; want 0", touched, err)
	}
	waitJobs(t, e)
}

func (e *env) personKey(t *testing.T, id int64) []byte {
	t.Helper()
	key, err := e.db.PersonKey(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// waitJobs waits until every recompute job of the store is finished.
func waitJobs(t *testing.T, e *env) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var open int
		if err := e.db.SQL().QueryRow(`SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("recompute jobs did not finish within 10 s")
}

// A due status turns to its new colour; the job counts what it did and
// reports progress after each chunk.
func TestRunRecomputesDueStatuses(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	const n = 30
	ids := seedCity(t, e.db, 1, n, now, func(int) cityPerson {
		return cityPerson{prev: &healthcode.Status{Colour: healthcode.Red, Since: now.Add(-time.Hour), ReevaluateAt: now, PolicyVersion: "old"}}
	})
	var calls []int64
	job, err := e.recompute().Run(ctx, "test", func(done, total int64) {
		if total != n {
			t.Errorf("progress total = %d, want %d", total, n)
		}
		calls = append(calls, done)
	})
	if err != nil {
		t.Fatal(err)
	}
	if job.State != healthcode.JobDone || job.Total != n || job.Done != n || job.Changed != n {
		t.Fatalf("job = %+v; want done, %d of %d evaluated, all changed", job, n, n)
	}
	if len(calls) != 5 || calls[len(calls)-1] != n { // chunks of 7
		t.Errorf("progress calls = %v", calls)
	}
	stored, err := e.db.FindJob(ctx, job.ID)
	if err != nil || stored.Done != n || stored.State != healthcode.JobDone {
		t.Fatalf("stored job = %+v, %v", stored, err)
	}
	for _, id := range ids {
		st, err := e.db.FindStatus(ctx, id)
		if err != nil || st.Colour != healthcode.Green || st.PolicyVersion != e.citizens.Policy.Version {
			t.Fatalf("status %d = %+v, %v; want green under the current policy", id, st, err)
		}
	}
	// Nothing due: a second run evaluates nothing.
	job, err = e.recompute().Run(ctx, "again", nil)
	if err != nil || job.Done != 0 {
		t.Fatalf("second run = %+v, %v", job, err)
	}
}

// The bulk recompute gives the same status as the single-person path.
func TestRecomputeMatchesSinglePersonEvaluation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.readyCitizen(t)
	key := e.personKey(t, id)
	now := e.clock.Now()
	if err := e.db.AddRecords(ctx, &healthcode.RecordBatch{
		Tests:        []healthcode.Test{{PersonKey: key, SampledAt: now.Add(-time.Hour), Result: healthcode.Positive, Lab: "lab", ExternalID: "t1"}},
		Vaccinations: []healthcode.Vaccination{{PersonKey: key, Dose: 1, Product: "x", At: now.Add(-100 * 24 * time.Hour)}},
	}); err != nil {
		t.Fatal(err)
	}
	want, err := e.citizens.Evaluate(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.SQL().Exec(`UPDATE statuses SET reevaluate_at = $1`, now.UnixMicro()); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Second)
	if _, err := e.recompute().Run(ctx, "test", nil); err != nil {
		t.Fatal(err)
	}
	got, err := e.db.FindStatus(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Colour != healthcode.Red || got.Colour != want.Colour || !got.Since.Equal(want.Since) || got.Doses != want.Doses ||
		len(got.Reasons) != len(want.Reasons) || got.Reasons[0].Code != want.Reasons[0].Code {
		t.Fatalf("bulk = %+v\nsingle = %+v", got, want)
	}
	// Unchanged content is not written again: the evaluation time stays.
	if !got.EvaluatedAt.Equal(want.EvaluatedAt) {
		t.Errorf("evaluated_at moved from %v to %v although nothing changed", want.EvaluatedAt, got.EvaluatedAt)
	}
}

// Two recomputes at once share the work: every due status is evaluated
// exactly once between them.
func TestConcurrentRecomputesShareTheWork(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	const n = 200
	seedCity(t, e.db, 1, n, now, func(int) cityPerson {
		return cityPerson{prev: &healthcode.Status{Colour: healthcode.Red, ReevaluateAt: now}}
	})
	a := &node.Recompute{Store: e.db, Citizens: e.citizens, Chunk: 10}
	b := &node.Recompute{Store: e.db, Citizens: e.citizens, Chunk: 10}
	var wg sync.WaitGroup
	jobs := make([]*healthcode.Job, 2)
	for i, r := range []*node.Recompute{a, b} {
		wg.Go(func() {
			j, err := r.Run(ctx, "race", nil)
			if err != nil {
				t.Error(err)
			}
			jobs[i] = j
		})
	}
	wg.Wait()
	if jobs[0] == nil || jobs[1] == nil {
		t.FailNow()
	}
	if sum := jobs[0].Done + jobs[1].Done; sum != n {
		t.Fatalf("evaluated %d + %d = %d, want %d: each status once", jobs[0].Done, jobs[1].Done, sum, n)
	}
	if e.due(t) != 0 {
		t.Fatalf("%d still due", e.due(t))
	}
}

// A mark set while a chunk is being recomputed waits for the chunk's
// commit and survives it; a chunk that fails writes nothing.
func TestMarkDuringRecomputeSurvives(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	ids := seedCity(t, e.db, 1, 3, now, func(int) cityPerson {
		return cityPerson{prev: &healthcode.Status{Colour: healthcode.Red, ReevaluateAt: now}}
	})
	green := func(c *healthcode.DueChunk) []*healthcode.Status {
		sts := make([]*healthcode.Status, len(c.Statuses))
		for i := range sts {
			sts[i] = &healthcode.Status{Colour: healthcode.Green, EvaluatedAt: now}
		}
		return sts
	}
	// A node that fails mid-chunk leaves every status due.
	n, err := e.db.RecomputeDue(ctx, now, 10, func(c *healthcode.DueChunk) ([]*healthcode.Status, []bool, error) {
		return nil, nil, errors.New("node died")
	})
	if err == nil || n != 0 || e.due(t) != 3 {
		t.Fatalf("failed chunk: %d, %v; %d due, want 3", n, err, e.due(t))
	}
	marked := make(chan error, 1)
	n, err = e.db.RecomputeDue(ctx, now, 10, func(c *healthcode.DueChunk) ([]*healthcode.Status, []bool, error) {
		if len(c.Statuses) != 3 {
			t.Errorf("took %d statuses, want 3", len(c.Statuses))
		}
		// An import marks person 1 due while the chunk is being evaluated:
		// it waits for the chunk's lock.
		go func() {
			_, err := e.db.SQL().Exec(`UPDATE statuses SET reevaluate_at = $1 WHERE person_id = $2`, now.UnixMicro(), ids[1])
			marked <- err
		}()
		select {
		case err := <-marked:
			t.Errorf("the mark did not wait for the chunk (%v)", err)
		case <-time.After(200 * time.Millisecond):
		}
		return green(c), make([]bool, 3), nil
	})
	if err != nil || n != 3 {
		t.Fatalf("RecomputeDue = %d, %v; want 3", n, err)
	}
	if err := <-marked; err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{false, true, false} {
		st, err := e.db.FindStatus(ctx, ids[i])
		if err != nil || st.Stale(now) != want {
			t.Fatalf("person %d: %+v, %v; due %v, want %v (only person 1 was marked during the chunk)", i, st, err, !want, want)
		}
	}
	if got := e.colour(t, ids[0]); got != healthcode.Green {
		t.Fatalf("person 0 = %v, want green", got)
	}
}

// The scheduler evaluates statuses whose time has come.
func TestSchedulerTurnsStatusBack(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	ids := seedCity(t, e.db, 1, 1, now, func(int) cityPerson {
		return cityPerson{prev: &healthcode.Status{Colour: healthcode.Yellow, ReevaluateAt: now.Add(time.Hour)}}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.recompute().RunScheduler(ctx, 10*time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	if got := e.colour(t, ids[0]); got != healthcode.Yellow {
		t.Fatalf("before its time: %v, want yellow", got)
	}
	e.clock.Add(time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for e.colour(t, ids[0]) != healthcode.Green {
		if time.Now().After(deadline) {
			t.Fatal("the scheduler did not turn the status green")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// After a policy change Rejudge judges every stored status again, due or
// not, and Wait returns once its job is done.
func TestRejudgeJudgesEveryStatus(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	const n = 10
	ids := seedCity(t, e.db, 1, n, now, func(i int) cityPerson {
		// Not due: red for a day more, by the policy before.
		return cityPerson{prev: &healthcode.Status{Colour: healthcode.Red, Since: now.Add(-time.Hour), ReevaluateAt: now.Add(24 * time.Hour),
			PolicyVersion: "old"}}
	})
	r := e.recompute()
	if err := r.Wait(ctx); err != nil {
		t.Fatalf("Wait with no job: %v", err)
	}
	job, marked, err := r.Rejudge(ctx, "policy changed")
	if err != nil || marked != n || job.ID == 0 {
		t.Fatalf("Rejudge = %+v, %d, %v; want a job over %d", job, marked, err, n)
	}
	if err := r.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	done, err := r.Job(ctx, job.ID)
	if err != nil || done.State != healthcode.JobDone || done.Done != n || done.Changed != n {
		t.Fatalf("job after Wait = %+v, %v; want done, %d evaluated and changed", done, err, n)
	}
	for _, id := range ids {
		st, err := e.db.FindStatus(ctx, id)
		if err != nil || st.Colour != healthcode.Green || st.PolicyVersion != e.citizens.Policy.Version {
			t.Fatalf("status %d = %+v, %v; want green under the current policy", id, st, err)
		}
	}
	if e.due(t) != 0 {
		t.Fatalf("%d statuses still due", e.due(t))
	}
}

func TestValidateRiskAreas(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ok := healthcode.RiskArea{Division: "420100", Area: "某小区", Level: healthcode.RiskHigh, From: from}
	for _, tc := range []struct {
		name  string
		edit  func(a *healthcode.RiskArea)
		field string
	}{
		{"valid", func(*healthcode.RiskArea) {}, ""},
		{"valid with an end", func(a *healthcode.RiskArea) { a.Until = from.Add(time.Hour) }, ""},
		{"bad level", func(a *healthcode.RiskArea) { a.Level = "severe" }, "[1].level"},
		{"short division", func(a *healthcode.RiskArea) { a.Division = "4201" }, "[1].division"},
		{"letters in division", func(a *healthcode.RiskArea) { a.Division = "42010x" }, "[1].division"},
		{"no start", func(a *healthcode.RiskArea) { a.From = time.Time{} }, "[1].from"},
		{"end before start", func(a *healthcode.RiskArea) { a.Until = from.Add(-time.Hour) }, "[1].to"},
		{"long area", func(a *healthcode.RiskArea) { a.Area = strings.Repeat("街", 101) }, "[1].area"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := ok
			tc.edit(&bad)
			err := node.ValidateRiskAreas([]healthcode.RiskArea{ok, bad})
			fields := healthcode.ErrorFields(err)
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("err = %v, want none", err)
			case tc.field != "" && fields[tc.field] == "":
				t.Fatalf("fields = %v, want %s", fields, tc.field)
			case tc.field != "" && len(fields) != 1:
				t.Fatalf("fields = %v, want only %s", fields, tc.field)
			}
		})
	}
}

// On SQLite the next chunk is read and judged while the last one is
// written; a record stored in between (after the read, before the next
// chunk's write) makes that chunk be read again, so its mark is not lost.
func TestRecordDuringPipelinedReadIsSeen(t *testing.T) {
	e := newEnv(t)
	if e.db.Backend() != "sqlite" {
		t.Skip("the pipelined path is SQLite's")
	}
	ctx := context.Background()
	now := e.clock.Now()
	ids := seedCity(t, e.db, 1, 3, now, func(int) cityPerson {
		return cityPerson{prev: &healthcode.Status{Colour: healthcode.Green, ReevaluateAt: now}}
	})
	key := e.personKey(t, ids[1])
	added := false
	judge := func(c *healthcode.DueChunk, at time.Time) ([]*healthcode.Status, []bool, error) {
		sts := make([]*healthcode.Status, len(c.Statuses))
		for i, d := range c.Statuses {
			sts[i] = &healthcode.Status{Colour: healthcode.Green, EvaluatedAt: at}
			for _, tr := range d.Facts.Tests {
				if tr.Result == healthcode.Positive {
					sts[i].Colour = healthcode.Red
				}
			}
			if d.PersonID == ids[1] && !added {
				// Judging person 1 the first time, beside person 0's write:
				// a positive test arrives and marks person 1.
				added = true
				if err := e.db.AddRecords(ctx, &healthcode.RecordBatch{Tests: []healthcode.Test{{PersonKey: key,
					SampledAt: now.Add(-time.Minute), Result: healthcode.Positive, Lab: "lab", ExternalID: "late"}}}); err != nil {
					return nil, nil, err
				}
			}
		}
		return sts, make([]bool, len(sts)), nil
	}
	var done int
	err := e.db.RecomputeAll(ctx, e.clock.Now, 1, judge, func(c *healthcode.DueChunk) error {
		done += len(c.Statuses)
		return nil
	})
	if err != nil || !added {
		t.Fatalf("RecomputeAll: %v (added %v)", err, added)
	}
	if got := e.colour(t, ids[1]); got != healthcode.Red {
		st, err := e.db.FindStatus(ctx, ids[1])
		if err != nil || !st.Stale(e.clock.Now()) {
			t.Fatalf("person 1 = %v and not due (%v): the record stored during the read was lost", got, err)
		}
	}
	if got := e.colour(t, ids[0]); got != healthcode.Green {
		t.Fatalf("person 0 = %v, want green", got)
	}
}
