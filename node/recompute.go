package node

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/prometheus/client_golang/prometheus"
)

// Recompute evaluates every due status again in bulk, as jobs whose
// progress shows in the log, in metrics and in the job row. It implements
// healthcode.Recomputer (async, for the API) and offers Run (synchronous,
// for the command line). Jobs of one process run one at a time; several
// processes share the work through the store's claims.
type Recompute struct {
	Store    healthcode.RecomputeStore
	Citizens *CitizenService // policy, clock, logger, metrics and the judge

	Chunk   int // statuses taken at a time; default 5000
	Workers int // evaluating goroutines; default GOMAXPROCS
	// LogEvery is the least time between two progress log lines and job
	// row updates; default 2 s.
	LogEvery time.Duration
	// HeartbeatEvery is how often the rows of the jobs queued or running
	// are touched; default DefaultHeartbeatEvery.
	HeartbeatEvery time.Duration

	mu     sync.Mutex
	run    sync.Mutex      // one job at a time in this process
	queued *healthcode.Job // the job waiting for run: later requests join it
	jobs   jobGroup        // the jobs made and not finished (Wait, Close)
	beats  heartbeat       // of the rows of jobs
}

var (
	_ healthcode.Recomputer      = (*Recompute)(nil)
	_ healthcode.RiskAreaService = (*Recompute)(nil)
)

// Recompute starts a job over every due status and returns it at once. A
// request that comes while a job of the same starter still waits to run
// joins that job: it will see the new marks anyway. Once r is closed it
// refuses with EUNAVAILABLE.
func (r *Recompute) Recompute(ctx context.Context, reason string) (*healthcode.Job, error) {
	tokenID := callerToken(ctx)
	r.mu.Lock()
	if q := r.queued; q != nil && q.TokenID == tokenID && !r.jobs.closing() {
		j := *q
		r.mu.Unlock()
		return &j, nil
	}
	r.mu.Unlock()
	// The job outlives the request that started it, not r.
	jctx, end, err := r.jobs.start(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	j, err := r.newJob(ctx, reason, tokenID)
	if err != nil {
		end()
		return nil, err
	}
	r.mu.Lock()
	r.queued = j
	r.mu.Unlock()
	out := *j
	beat := r.beat(j)
	go func() {
		defer end()
		defer beat()
		r.execute(jctx, j, nil)
	}()
	return &out, nil
}

// Run runs a job over every due status to the end and returns it;
// progress, when set, is called after each chunk. Closing r interrupts
// it, as it does the jobs Recompute starts.
func (r *Recompute) Run(ctx context.Context, reason string, progress func(done, total int64)) (*healthcode.Job, error) {
	jctx, end, err := r.jobs.start(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	j, err := r.newJob(ctx, reason, callerToken(ctx))
	if err != nil {
		return nil, err
	}
	defer r.beat(j)()
	err = r.execute(jctx, j, progress)
	return j, err
}

// Close interrupts every job of r, queued or running, and returns once
// each has written its row, or with ctx's error when ctx ends first.
// After it r starts no job: Recompute, Run and the rest refuse with
// EUNAVAILABLE and RunScheduler returns. An interrupted job keeps what its
// finished chunks wrote (each chunk is one transaction); the statuses it
// had not reached stay due, for the scheduler after the restart.
func (r *Recompute) Close(ctx context.Context) error {
	return r.jobs.close(ctx)
}

// Job returns a job by id.
func (r *Recompute) Job(ctx context.Context, id int64) (*healthcode.Job, error) {
	return r.Store.FindJob(ctx, id)
}

// RunScheduler runs a job every interval when some status's time has come
// (a quarantine ends, a test grows stale, a period is over), until ctx is
// done or r is closed.
func (r *Recompute) RunScheduler(ctx context.Context, interval time.Duration) {
	ctx, release := r.jobs.bind(ctx)
	defer release()
	every(ctx, interval, false, func() {
		n, err := r.Store.CountDue(ctx, r.Citizens.Now())
		r.Citizens.Metrics.recomputeDue(n)
		if err != nil || n == 0 {
			if err != nil && ctx.Err() == nil {
				r.logger().ErrorContext(ctx, "scheduler: counting due statuses failed", "err", err)
			}
			return
		}
		if _, err := r.Run(ctx, "schedule", nil); err != nil && ctx.Err() == nil {
			r.logger().ErrorContext(ctx, "scheduled recompute failed", "err", err)
		}
	})
}

// Rejudge marks every stored status due and starts a job over them, so
// that each is judged by the policy of r.Citizens: the region's policy
// changed, and a status's policy version need not tell (the text may
// change alone). A read judges a status anew before the job reaches it.
// It returns the job and how many statuses it marked.
func (r *Recompute) Rejudge(ctx context.Context, reason string) (*healthcode.Job, int64, error) {
	if r.jobs.closing() {
		return nil, 0, errStopping
	}
	marked, err := r.Store.MarkAllDue(ctx, r.Citizens.Now())
	if err != nil {
		return nil, 0, err
	}
	job, err := r.Recompute(ctx, reason)
	if err != nil {
		return nil, marked, err
	}
	r.logger().InfoContext(ctx, "every status marked due", "reason", reason, "policy", r.Citizens.Policy.Version, "marked", marked, "job", job.ID)
	return job, marked, nil
}

// Wait returns when no job r made is queued or running, or with ctx's
// error when ctx ends first. Jobs started after it returns are not waited
// for: the caller stops what starts them first.
func (r *Recompute) Wait(ctx context.Context) error {
	return r.jobs.wait(ctx)
}

// ChangeRiskAreas validates and stores the region's risk area list, marks
// the people whose stays it touches, and starts a job for them.
func (r *Recompute) ChangeRiskAreas(ctx context.Context, areas []healthcode.RiskArea) (job *healthcode.Job, touched int64, err error) {
	// Refused before it is stored: a change stored with no job to say so
	// would be answered 503 all the same.
	if r.jobs.closing() {
		return nil, 0, errStopping
	}
	if touched, err = r.ReplaceRiskAreas(ctx, areas); err != nil {
		return nil, 0, err
	}
	job, err = r.Recompute(ctx, "risk areas changed")
	return job, touched, err
}

// ReplaceRiskAreas validates and stores the list and marks due the people
// whose stays it touches, within the policy's look-back; it starts no job
// (the command line runs one itself).
func (r *Recompute) ReplaceRiskAreas(ctx context.Context, areas []healthcode.RiskArea) (touched int64, err error) {
	if err := ValidateRiskAreas(areas); err != nil {
		return 0, err
	}
	lookback, err := policyLookback(r.Citizens)
	if err != nil {
		return 0, err
	}
	touched, err = r.Store.ChangeRiskAreas(ctx, areas, r.Citizens.Now(), lookback)
	if err != nil {
		return 0, err
	}
	r.logger().InfoContext(ctx, "risk areas replaced", "areas", len(areas), "touched", touched)
	return touched, nil
}

// RiskAreas returns the region's risk areas.
func (r *Recompute) RiskAreas(ctx context.Context) ([]healthcode.RiskArea, error) {
	areas, err := r.Store.RiskAreas(ctx)
	if areas == nil {
		areas = []healthcode.RiskArea{}
	}
	return areas, err
}

func (r *Recompute) newJob(ctx context.Context, reason string, tokenID int64) (*healthcode.Job, error) {
	j := &healthcode.Job{Kind: "recompute", Reason: reason, State: healthcode.JobQueued,
		CreatedAt: r.Citizens.Now(), TokenID: tokenID}
	if err := r.Store.CreateJob(ctx, j); err != nil {
		return nil, err
	}
	r.Citizens.Metrics.recomputeJob("", healthcode.JobQueued)
	return j, nil
}

// beat keeps j's row heartbeat fresh from its creation until the returned
// func is called, once the row's last write is done.
func (r *Recompute) beat(j *healthcode.Job) (end func()) {
	return r.beats.add(j.ID, r.heartbeatEvery(), func(ctx context.Context, ids []int64) error {
		return r.Store.TouchJobs(ctx, ids, r.Citizens.Now())
	}, r.logger())
}

// execute runs j, which newJob made: chunk after chunk until nothing is
// due, or until ctx ends (see interrupted).
func (r *Recompute) execute(ctx context.Context, j *healthcode.Job, progress func(done, total int64)) error {
	r.run.Lock()
	defer r.run.Unlock()
	r.mu.Lock()
	if r.queued == j {
		r.queued = nil
	}
	r.mu.Unlock()

	now := r.Citizens.Now()
	j.State, j.StartedAt = healthcode.JobRunning, now
	r.Citizens.Metrics.recomputeJob(healthcode.JobQueued, healthcode.JobRunning)
	var total int64
	err := ctx.Err() // interrupted while it queued
	if err == nil {
		total, err = r.Store.CountDue(ctx, now)
	}
	if err == nil {
		j.Total = total
		r.Citizens.Metrics.recomputeDue(total)
		err = r.Store.UpdateJob(ctx, j, r.Citizens.Now())
	}
	if err == nil {
		r.logger().InfoContext(ctx, "recompute started", "job", j.ID, "reason", j.Reason, "due", total)
		err = r.chunks(ctx, j, progress)
	}
	j.FinishedAt = r.Citizens.Now()
	j.Total = max(j.Total, j.Done)
	j.State = healthcode.JobDone
	stopped := err != nil && ctx.Err() != nil
	if stopped {
		err = interrupted(ctx, err)
	}
	if err != nil {
		j.State, j.Error = healthcode.JobFailed, healthcode.ErrorMessage(err)
	}
	r.Citizens.Metrics.recomputeJob(healthcode.JobRunning, j.State)
	// The job row is written even when ctx was cancelled mid-run.
	wctx, cancel := jobRowContext(ctx)
	defer cancel()
	if uerr := r.Store.UpdateJob(wctx, j, r.Citizens.Now()); uerr != nil && err == nil {
		err = uerr
	} else if uerr != nil {
		r.logger().ErrorContext(ctx, "recompute: the job row was not written", "job", j.ID, "err", uerr)
	}
	took := j.FinishedAt.Sub(j.StartedAt)
	if stopped {
		r.logger().InfoContext(ctx, "recompute interrupted", "job", j.ID, "reason", j.Reason, "done", j.Done,
			"not_reached", j.Total-j.Done, "why", j.Error)
		return err
	}
	if err != nil {
		r.logger().ErrorContext(ctx, "recompute failed", "job", j.ID, "done", j.Done, "err", err)
		return err
	}
	r.logger().InfoContext(ctx, "recompute done", "job", j.ID, "evaluated", j.Done, "changed", j.Changed,
		"took", took.Round(time.Millisecond), "per_second", perSecond(j.Done, took))
	return nil
}

// chunks is the loop of execute: the store takes, reads and writes one
// chunk at a time in a transaction of its own, while the workers judge it.
func (r *Recompute) chunks(ctx context.Context, j *healthcode.Job, progress func(done, total int64)) error {
	if p, ok := r.Store.(pipelinedStore); ok {
		return r.pipelined(ctx, p, j, progress)
	}
	lastLog := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var changed int64
		now := r.Citizens.Now()
		done, err := r.Store.RecomputeDue(ctx, now, r.chunkSize(), func(c *healthcode.DueChunk) ([]*healthcode.Status, []bool, error) {
			statuses, unchanged, flips := r.judgeChunk(c, now)
			changed = flips
			return statuses, unchanged, nil
		})
		if err != nil {
			return err
		}
		if done == 0 {
			return nil
		}
		if err := r.chunkDone(ctx, j, int64(done), changed, progress, &lastLog); err != nil {
			return err
		}
	}
}

// chunkDone counts a written chunk in the job, the metrics and the caller's
// progress, and now and then logs it and saves the job row.
func (r *Recompute) chunkDone(ctx context.Context, j *healthcode.Job, done, changed int64, progress func(done, total int64), lastLog *time.Time) error {
	j.Done += done
	j.Changed += changed
	j.Total = max(j.Total, j.Done)
	r.Citizens.Metrics.recomputed(done, changed)
	r.Citizens.Metrics.recomputeDue(j.Total - j.Done)
	if progress != nil {
		progress(j.Done, j.Total)
	}
	if time.Since(*lastLog) < r.logEvery() {
		return nil
	}
	*lastLog = time.Now()
	r.logger().InfoContext(ctx, "recompute in progress", "job", j.ID, "done", j.Done, "total", j.Total,
		"percent", j.Done*100/max(j.Total, 1), "changed", j.Changed)
	return r.Store.UpdateJob(ctx, j, r.Citizens.Now())
}

// pipelinedStore is a store that runs the whole loop of chunks itself,
// judging the next chunk while it writes the last (sqlstore on SQLite).
type pipelinedStore interface {
	RecomputeAll(ctx context.Context, now func() time.Time, limit int,
		judge func(c *healthcode.DueChunk, now time.Time) ([]*healthcode.Status, []bool, error),
		done func(c *healthcode.DueChunk) error) error
}

// pipelined is chunks over a pipelinedStore: a chunk may be judged before
// the previous one is written, so each chunk's count of changes is kept
// until it is written.
func (r *Recompute) pipelined(ctx context.Context, p pipelinedStore, j *healthcode.Job, progress func(done, total int64)) error {
	lastLog := time.Now()
	var changes sync.Map // *healthcode.DueChunk → int64
	return p.RecomputeAll(ctx, r.Citizens.Now, r.chunkSize(),
		func(c *healthcode.DueChunk, now time.Time) ([]*healthcode.Status, []bool, error) {
			statuses, unchanged, flips := r.judgeChunk(c, now)
			changes.Store(c, flips)
			return statuses, unchanged, nil
		},
		func(c *healthcode.DueChunk) error {
			var changed int64
			if v, ok := changes.LoadAndDelete(c); ok {
				changed = v.(int64)
			}
			return r.chunkDone(ctx, j, int64(len(c.Statuses)), changed, progress, &lastLog)
		})
}

// judgeChunk judges every status of c across the workers. A status whose
// content did not change is marked unchanged (only its due mark is
// cleared). It returns how many changed colour or action.
func (r *Recompute) judgeChunk(c *healthcode.DueChunk, now time.Time) (statuses []*healthcode.Status, unchanged []bool, changed int64) {
	n := len(c.Statuses)
	statuses = make([]*healthcode.Status, n)
	unchanged = make([]bool, n)
	flips := make([]int64, r.workers())
	workers := min(r.workers(), n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				d := &c.Statuses[i]
				st := r.Citizens.judge(&d.Facts, d.Prev, now)
				unchanged[i] = sameStatus(d.Prev, st)
				if d.Prev == nil || d.Prev.Colour != st.Colour || d.Prev.ActionRequired != st.ActionRequired {
					flips[w]++
				}
				statuses[i] = st
			}
		})
	}
	wg.Wait()
	for _, f := range flips {
		changed += f
	}
	return statuses, unchanged, changed
}

// sameStatus reports whether a new status says what the stored one says;
// the evaluation time alone does not count as a change.
func sameStatus(prev, st *healthcode.Status) bool {
	if prev == nil || prev.Colour != st.Colour || prev.ActionRequired != st.ActionRequired ||
		!sameTime(prev.Since, st.Since) || !sameTime(prev.ReevaluateAt, st.ReevaluateAt) ||
		prev.Doses != st.Doses || prev.PolicyVersion != st.PolicyVersion || prev.Declared != st.Declared ||
		len(prev.Reasons) != len(st.Reasons) || (prev.LatestTest == nil) != (st.LatestTest == nil) {
		return false
	}
	if t := prev.LatestTest; t != nil && (t.Result != st.LatestTest.Result || !sameTime(t.SampledAt, st.LatestTest.SampledAt)) {
		return false
	}
	for i := range prev.Reasons {
		a, b := prev.Reasons[i], st.Reasons[i]
		if !sameTime(a.Since, b.Since) {
			return false
		}
		a.Since, b.Since = time.Time{}, time.Time{}
		if a != b {
			return false
		}
	}
	return true
}

// sameTime compares at the store's precision (microseconds).
func sameTime(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero() == b.IsZero()
	}
	return a.UnixMicro() == b.UnixMicro()
}

func (r *Recompute) chunkSize() int {
	if r.Chunk > 0 {
		return r.Chunk
	}
	// Larger chunks cost fewer passes over the record indexes, whose
	// seeks by hashed person key touch pages all over them.
	return 5000
}

func (r *Recompute) workers() int {
	if r.Workers > 0 {
		return r.Workers
	}
	return runtime.GOMAXPROCS(0)
}

func (r *Recompute) logEvery() time.Duration {
	if r.LogEvery > 0 {
		return r.LogEvery
	}
	return 2 * time.Second
}

func (r *Recompute) heartbeatEvery() time.Duration {
	if r.HeartbeatEvery > 0 {
		return r.HeartbeatEvery
	}
	return DefaultHeartbeatEvery
}

func (r *Recompute) logger() *slog.Logger {
	if r.Citizens.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Citizens.Logger
}

func callerToken(ctx context.Context) int64 {
	if c := healthcode.CallerFromContext(ctx); c != nil {
		return c.TokenID
	}
	return 0
}

func perSecond(n int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(float64(n) / d.Seconds())
}

// interrupted is the error of a recompute whose ctx ended before it did
// (err is how the store noticed): the message says why and that nothing
// is lost, as the statuses it had not reached are still due.
func interrupted(ctx context.Context, err error) error {
	msg := "interrupted before its end: the statuses it had not recomputed are still due, and the next job recomputes them"
	if errors.Is(context.Cause(ctx), errStopping) {
		msg = "interrupted by the node stopping: the statuses it had not recomputed are still due, and are recomputed after the restart"
	}
	return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: msg, Err: err}
}

// policyLookback reads how long a stay in a risk area counts from the
// policy file's high_risk.lookback ("7d" or a Go duration).
func policyLookback(s *CitizenService) (time.Duration, error) {
	raw, err := json.Marshal(s.Policy)
	if err != nil {
		return 0, healthcode.Internal(err, "read policy")
	}
	var f struct {
		HighRisk struct {
			Lookback string `json:"lookback"`
		} `json:"high_risk"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, healthcode.Internal(err, "read policy")
	}
	v := f.HighRisk.Lookback
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, healthcode.Internal(errors.New("high_risk.lookback: "+v), "read policy")
	}
	return d, nil
}

// Bounds of a risk area list.
const (
	maxRiskAreas   = 100_000
	maxRiskAreaLen = 100
)

var divisionCode = regexp.MustCompile(`^[0-9]{6}$`)

// ValidateRiskAreas checks every entry and names each bad field by its
// index (`[3].level`), so nothing of a bad list is applied.
func ValidateRiskAreas(areas []healthcode.RiskArea) error {
	if len(areas) > maxRiskAreas {
		return healthcode.Errorf(healthcode.EINVALID, "at most %d risk areas, got %d", maxRiskAreas, len(areas))
	}
	var errs healthcode.FieldErrors
	for i, a := range areas {
		at := "[" + strconv.Itoa(i) + "]."
		if !divisionCode.MatchString(a.Division) {
			errs.Add(at+"division", "must be a six-digit GB/T 2260 division code")
		}
		if len([]rune(a.Area)) > maxRiskAreaLen {
			errs.Add(at+"area", "must be at most "+strconv.Itoa(maxRiskAreaLen)+" characters")
		}
		switch a.Level {
		case healthcode.RiskHigh, healthcode.RiskMedium, healthcode.RiskLow:
		default:
			errs.Add(at+"level", "must be high, medium or low")
		}
		if a.From.IsZero() {
			errs.Add(at+"from", "is required")
		}
		if !a.Until.IsZero() && !a.Until.After(a.From) {
			errs.Add(at+"to", "must be after from")
		}
	}
	return errs.Err()
}

// recomputeMetrics show the bulk recompute at /metrics.
type recomputeMetrics struct {
	evaluated prometheus.Counter
	changed   prometheus.Counter
	jobs      *prometheus.GaugeVec
	due       prometheus.Gauge
}

func newRecomputeMetrics(reg prometheus.Registerer) *recomputeMetrics {
	m := &recomputeMetrics{
		evaluated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "healthcode_recompute_evaluated_total", Help: "Statuses evaluated again by recompute jobs.",
		}),
		changed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "healthcode_recompute_changed_total", Help: "Statuses whose colour or action a recompute changed.",
		}),
		jobs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "healthcode_recompute_jobs", Help: "Recompute jobs of this process, by state.",
		}, []string{"state"}),
		due: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "healthcode_recompute_due", Help: "Statuses due for evaluation when last counted.",
		}),
	}
	reg.MustRegister(m.evaluated, m.changed, m.jobs, m.due)
	return m
}

func (m *Metrics) recomputed(done, changed int64) {
	if m != nil {
		m.recompute.evaluated.Add(float64(done))
		m.recompute.changed.Add(float64(changed))
	}
}

// recomputeJob moves one job from state from ("" for a new one) to to;
// finished states count up, the others are the jobs in them now.
func (m *Metrics) recomputeJob(from, to string) {
	if m == nil {
		return
	}
	if from != "" {
		m.recompute.jobs.WithLabelValues(from).Dec()
	}
	m.recompute.jobs.WithLabelValues(to).Inc()
}

func (m *Metrics) recomputeDue(n int64) {
	if m != nil {
		m.recompute.due.Set(float64(n))
	}
}
