package node

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/tracing"
)

// TraceStore is what tracing reads and writes.
type TraceStore interface {
	healthcode.VisitStore
	healthcode.TraceStore
	// ScanPointsAtMany reads the passed scans of many venue windows in
	// one round trip, by venue then time.
	ScanPointsAtMany(ctx context.Context, windows []healthcode.VenueWindow) ([]healthcode.ScanPoint, error)
	FindPersonByIDNumber(ctx context.Context, idNumber string) (int64, error)
	FindPerson(ctx context.Context, id int64) (*healthcode.Person, error)
	PersonKey(ctx context.Context, personID int64) ([]byte, error)
	PersonKeys(ctx context.Context, ids []int64) (map[int64][]byte, error)
	Facts(ctx context.Context, personID int64, personKey []byte, now time.Time) (*healthcode.Facts, error)
}

// TraceService finds who shared a place and time with confirmed cases.
// The rules are pure (package tracing); this service reads the scan log
// around each case's visits and keeps the findings as a trace.
type TraceService struct {
	Store  TraceApplyStore
	Region string
	Rules  func() healthcode.TraceRules
	Now    func() time.Time
	Logger *slog.Logger
	// Recompute, when set, evaluates applied contacts at once.
	Recompute *Recompute
	// Audit records each read of a trace; when nil, one over the store
	// (without metrics) does.
	Audit *Audit
	// Elsewhere are the other sources of a case's visits: each is asked
	// for every case, and what it finds is merged with the scan log's.
	Elsewhere []healthcode.ExposureSource
	// HeartbeatEvery is how often the rows of the traces queued or
	// running are touched; default DefaultHeartbeatEvery.
	HeartbeatEvery time.Duration

	jobs  jobGroup  // the traces running in the background (Close)
	beats heartbeat // of their rows
}

var _ healthcode.TraceService = (*TraceService)(nil)

// maxTraceCases bounds one trace request.
const maxTraceCases = 10_000

// StartTrace checks the cases, stores a queued trace and runs it in the
// background: the trace outlives the request that started it, not s. Once
// s is closed it refuses with EUNAVAILABLE.
func (s *TraceService) StartTrace(ctx context.Context, cases []healthcode.TraceCase) (*healthcode.Trace, error) {
	if err := checkTraceCases(cases); err != nil {
		return nil, err
	}
	jctx, end, err := s.jobs.start(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	t := &healthcode.Trace{State: healthcode.JobQueued, Cases: cases, CreatedAt: s.Now(),
		Visits: []healthcode.Visit{}, Exposures: []healthcode.Exposure{}, TokenID: callerToken(ctx)}
	if err := s.Store.CreateTrace(ctx, t); err != nil {
		end()
		return nil, err
	}
	out := *t
	beat := s.beats.add(t.ID, s.heartbeatEvery(), func(ctx context.Context, ids []int64) error {
		return s.Store.TouchTraces(ctx, ids, s.Now())
	}, s.logger())
	go func() {
		defer end()
		defer beat() // once the last row is written
		s.finish(jctx, t)
	}()
	return &out, nil
}

// Close interrupts the traces StartTrace started and returns once each
// has stored its failure, or with ctx's error when ctx ends first; after
// it StartTrace refuses. An interrupted trace keeps no findings: it is
// started again after the restart.
func (s *TraceService) Close(ctx context.Context) error {
	return s.jobs.close(ctx)
}

// finish runs a stored trace and stores its findings or its failure.
func (s *TraceService) finish(ctx context.Context, t *healthcode.Trace) {
	t.State = healthcode.JobRunning
	if err := s.Store.UpdateTrace(ctx, t, s.Now()); err != nil && ctx.Err() == nil {
		s.logger().ErrorContext(ctx, "trace: mark running", "trace", t.ID, "err", err)
	}
	// Progress is stored every second or so, for GET to show while the
	// trace runs.
	next := time.Now().Add(time.Second)
	found, err := s.Run(ctx, t.Cases, func(done, _ int) {
		if time.Now().Before(next) {
			return
		}
		next = time.Now().Add(time.Second)
		t.CasesDone = done
		if err := s.Store.UpdateTrace(ctx, t, s.Now()); err != nil && ctx.Err() == nil {
			s.logger().WarnContext(ctx, "trace: store progress", "trace", t.ID, "err", err)
		}
	})
	t.FinishedAt = s.Now()
	switch {
	case err != nil && ctx.Err() != nil:
		// Only Close ends a trace's ctx.
		t.State, t.Error = healthcode.JobFailed, traceInterrupted
		s.logger().InfoContext(ctx, "trace interrupted", "trace", t.ID, "cases", len(t.Cases), "cases_done", t.CasesDone, "why", t.Error)
	case err != nil:
		t.State, t.Error = healthcode.JobFailed, healthcode.ErrorMessage(err)
		s.logger().ErrorContext(ctx, "trace failed", "trace", t.ID, "err", err)
	default:
		t.State, t.Visits, t.Exposures, t.Unresolved = healthcode.JobDone, found.Visits, found.Exposures, found.Unresolved
		t.CasesDone = len(t.Cases)
		s.logger().InfoContext(ctx, "trace done", "trace", t.ID, "cases", len(t.Cases), "exposed", len(t.Exposures),
			"took", t.FinishedAt.Sub(t.CreatedAt).Round(time.Millisecond))
	}
	// Stored even when ctx ended.
	wctx, cancel := jobRowContext(ctx)
	defer cancel()
	if err := s.Store.UpdateTrace(wctx, t, s.Now()); err != nil {
		s.logger().ErrorContext(ctx, "trace: store findings", "trace", t.ID, "err", err)
	}
}

// traceInterrupted is the error of a trace Close ended.
const traceInterrupted = "interrupted by the node stopping: the trace kept no findings; start it again after the restart"

// FindTrace returns a stored trace.
func (s *TraceService) FindTrace(ctx context.Context, id int64) (*healthcode.Trace, error) {
	return s.Store.FindTrace(ctx, id)
}

// ApplyTrace applies a finished trace (see Apply).
func (s *TraceService) ApplyTrace(ctx context.Context, id int64) (*healthcode.ImportSummary, error) {
	return s.Apply(ctx, s.Store, s.Recompute, id)
}

// checkTraceCases names each bad case by its index, so nothing of a bad
// request runs.
func checkTraceCases(cases []healthcode.TraceCase) error {
	if len(cases) == 0 {
		return healthcode.Errorf(healthcode.EINVALID, "cases: at least one case is required")
	}
	if len(cases) > maxTraceCases {
		return healthcode.Errorf(healthcode.EINVALID, "cases: at most %d cases a trace, got %d", maxTraceCases, len(cases))
	}
	var errs healthcode.FieldErrors
	for i, c := range cases {
		at := "cases[" + strconv.Itoa(i) + "]."
		if c.IDNumber == "" {
			errs.Add(at+"id_number", "is required")
		}
		if !c.From.IsZero() && !c.To.IsZero() && !c.To.After(c.From) {
			errs.Add(at+"to", "must be after from")
		}
	}
	return errs.Err()
}

func (s *TraceService) heartbeatEvery() time.Duration {
	if s.HeartbeatEvery > 0 {
		return s.HeartbeatEvery
	}
	return DefaultHeartbeatEvery
}

func (s *TraceService) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// TraceProgress is told how many cases are traced so far.
type TraceProgress func(done, total int)

// Run traces cases and returns the findings (not stored). Cases naming
// nobody registered here are counted in Unresolved.
func (s *TraceService) Run(ctx context.Context, cases []healthcode.TraceCase, progress TraceProgress) (*healthcode.Trace, error) {
	rules := s.Rules()
	now := s.Now()
	t := &healthcode.Trace{Cases: cases, CreatedAt: now, Visits: []healthcode.Visit{}, Exposures: []healthcode.Exposure{}}
	caseKeys := map[string]bool{}
	refs := map[string]string{}
	var lists [][]healthcode.Exposure
	for i, c := range cases {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		person, from, to, err := s.resolve(ctx, c, &rules, now)
		if errors.Is(err, errNobody) {
			t.Unresolved++
			if progress != nil {
				progress(i+1, len(cases))
			}
			continue
		} else if err != nil {
			return nil, err
		}
		caseKeys[person.Key()] = true
		refs[person.Key()] = idnum.MaskID(c.IDNumber)
		visits, err := s.visitsOf(ctx, person, from, to, &rules)
		if err != nil {
			return nil, err
		}
		t.Visits = append(t.Visits, visits...)
		others, err := s.visitsAround(ctx, visits, &rules)
		if err != nil {
			return nil, err
		}
		lists = append(lists, tracing.Expose(visits, others, &rules, func(k string) string { return refs[k] }))
		for _, src := range s.Elsewhere {
			there, exposed, err := src.TraceElsewhere(ctx, person, from, to, &rules)
			if err != nil {
				return nil, err
			}
			for i := range exposed {
				exposed[i].CaseKey, exposed[i].CaseRef = person.Key(), refs[person.Key()]
			}
			t.Visits = append(t.Visits, there...)
			lists = append(lists, exposed)
		}
		if progress != nil {
			progress(i+1, len(cases))
		}
	}
	t.CasesDone = len(cases)
	exposed := tracing.Merge(lists...)
	if rules.SecondRound {
		second, err := s.secondRound(ctx, exposed, &rules, now)
		if err != nil {
			return nil, err
		}
		exposed = tracing.Merge(exposed, second)
	}
	// A case exposed to another case is a case, not a contact.
	exposed = slices.DeleteFunc(exposed, func(e healthcode.Exposure) bool { return caseKeys[e.Key()] })
	t.Exposures = exposed
	return t, nil
}

var errNobody = errors.New("nobody registered with this document")

// resolve finds the case's person and infectious window, where the
// request leaves it open: from the policy's span before onset (the latest
// case record's diagnosis, else the latest positive test's sampling, else
// now) until isolation (the first quarantine starting in the window, else
// now).
func (s *TraceService) resolve(ctx context.Context, c healthcode.TraceCase, rules *healthcode.TraceRules, now time.Time) (healthcode.VisitPerson, time.Time, time.Time, error) {
	id, err := s.Store.FindPersonByIDNumber(ctx, c.IDNumber)
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		return healthcode.VisitPerson{}, time.Time{}, time.Time{}, errNobody
	} else if err != nil {
		return healthcode.VisitPerson{}, time.Time{}, time.Time{}, err
	}
	p, err := s.Store.FindPerson(ctx, id)
	if err != nil {
		return healthcode.VisitPerson{}, time.Time{}, time.Time{}, err
	}
	person := healthcode.VisitPerson{Region: s.Region, Subject: p.Subject, PersonID: id}
	from, to := c.From, c.To
	if !from.IsZero() && !to.IsZero() {
		return person, from, to, nil
	}
	key, err := s.Store.PersonKey(ctx, id)
	if err != nil {
		return person, from, to, err
	}
	f, err := s.Store.Facts(ctx, id, key, now)
	if err != nil {
		return person, from, to, err
	}
	if from.IsZero() {
		from = onsetOf(f, now).Add(-rules.InfectiousBefore)
	}
	if to.IsZero() {
		to = isolatedAt(f, from, now)
	}
	return person, from, to, nil
}

// onsetOf is when a case became infectious as far as the records say.
func onsetOf(f *healthcode.Facts, now time.Time) time.Time {
	for i := len(f.Cases) - 1; i >= 0; i-- {
		if !f.Cases[i].DiagnosedAt.IsZero() {
			return f.Cases[i].DiagnosedAt
		}
	}
	for i := len(f.Tests) - 1; i >= 0; i-- {
		if f.Tests[i].Result == healthcode.Positive {
			return f.Tests[i].SampledAt
		}
	}
	return now
}

// isolatedAt is when a case stopped meeting people: the start of their
// first quarantine (of any kind) after from, or now.
func isolatedAt(f *healthcode.Facts, from, now time.Time) time.Time {
	at := now
	for _, q := range f.Quarantines {
		if q.From.After(from) && q.From.Before(at) {
			at = q.From
		}
	}
	return at
}

// visitsOf returns a person's stays that began in [from, to), each whole:
// the scans up to tracing.LongestReach after to end the last ones.
func (s *TraceService) visitsOf(ctx context.Context, p healthcode.VisitPerson, from, to time.Time, rules *healthcode.TraceRules) ([]healthcode.Visit, error) {
	points, err := s.Store.ScanPointsOf(ctx, p, from, to.Add(tracing.LongestReach(rules)))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(tracing.Stays(points, rules), func(v healthcode.Visit) bool { return !v.From.Before(to) }), nil
}

// visitsAround returns everybody's stays at the venues of visits, near
// enough in time to matter, each whole: a stay meeting the widened visit
// began at most the venue kind's tracing.Reach before it and ended at most
// Reach after. A railway station's window spans hours; a compound's, two
// days.
func (s *TraceService) visitsAround(ctx context.Context, visits []healthcode.Visit, rules *healthcode.TraceRules) ([]healthcode.Visit, error) {
	if len(visits) == 0 {
		return nil, nil
	}
	windows := make([]healthcode.VenueWindow, 0, len(visits))
	for _, v := range visits {
		reach := rules.CompanionWindow + tracing.Reach(rules, v.VenueKind)
		windows = append(windows, healthcode.VenueWindow{VenueID: v.VenueID, From: v.From.Add(-reach), To: v.To.Add(reach)})
	}
	points, err := s.Store.ScanPointsAtMany(ctx, windows)
	if err != nil {
		return nil, err
	}
	return tracing.Stays(points, rules), nil
}

// secondRound finds who shared a venue with the close contacts after
// their exposure.
func (s *TraceService) secondRound(ctx context.Context, exposed []healthcode.Exposure, rules *healthcode.TraceRules, now time.Time) ([]healthcode.Exposure, error) {
	var closeOnes []healthcode.Exposure
	var theirs []healthcode.Visit
	for _, e := range exposed {
		if e.Degree != healthcode.DegreeClose {
			continue
		}
		closeOnes = append(closeOnes, e)
		v, err := s.visitsOf(ctx, e.VisitPerson, e.ExposedAt, now, rules)
		if err != nil {
			return nil, err
		}
		theirs = append(theirs, v...)
	}
	others, err := s.visitsAround(ctx, theirs, rules)
	if err != nil {
		return nil, err
	}
	return tracing.Secondary(closeOnes, theirs, others, rules), nil
}
