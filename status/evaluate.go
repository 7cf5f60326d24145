package status

import (
	"slices"
	"time"

	"github.com/healthcode/healthcode"
)

// Evaluate judges a person's facts under policy p at now. It reads no clock
// and does no I/O: the same input always gives the same status. A nil p
// means DefaultPolicy.
func Evaluate(f *healthcode.Facts, p *Policy, now time.Time) *healthcode.Status {
	if p == nil {
		p = defaultPolicy()
	}
	if f == nil {
		f = &healthcode.Facts{}
	}
	// Negative tests live in a stack buffer: a person rarely has more, and
	// the hot path then allocates only the status itself.
	var buf [64]time.Time
	t := tally{now: now}
	e := evaluation{p: p, negatives: negativeTests(buf[:0], f.Tests, now, p.antigenClears), tally: &t}

	e.tests(f.Tests)
	for i := range f.Cases {
		e.caseRecord(&f.Cases[i])
	}
	for i := range f.Contacts {
		e.contact(&f.Contacts[i])
	}
	for i := range f.Quarantines {
		e.quarantine(&f.Quarantines[i])
	}
	for i := range f.Declarations {
		e.declaration(&f.Declarations[i], f.RiskAreas)
	}
	for i := range f.Travel {
		t := &f.Travel[i]
		e.stay(t.Division, t.From, t.To, f.RiskAreas)
	}
	for i := range f.DrugPurchases {
		if d := &f.DrugPurchases[i]; contains(p.drugClasses, d.Class) {
			e.action(rDrugPurchase, d.At)
		}
	}
	e.remoteStatuses(f.RemoteStatuses)
	if p.feverAtCheck {
		for i := range f.HealthChecks {
			e.healthCheck(&f.HealthChecks[i], f.Tests)
		}
	}
	if e.latest != nil {
		e.changeAt(e.latest.SampledAt.Add(p.testValidity))
	}
	o := f.Override
	if o != nil {
		if o.From.After(now) {
			t.changeAt(o.From)
		}
		if !overrideApplies(o, f, p, now) {
			o = nil
		} else if !o.Until.IsZero() {
			t.changeAt(o.Until)
		}
	}
	s := t.status(p, now)
	if o != nil {
		applyOverride(s, o)
	}
	s.Doses = doses(f.Vaccinations, now)
	s.Declared = declared(f.Declarations, now)
	if e.latest != nil {
		s.LatestTest = &healthcode.TestSummary{SampledAt: e.latest.SampledAt, Result: e.latest.Result}
	}
	return s
}

// evaluation is the state of one Evaluate call.
type evaluation struct {
	p *Policy

	negatives []time.Time // negative tests sampled at or before now, oldest first
	latest    *healthcode.Test
	// tally is kept apart so that copying it into the status does not,
	// by escape analysis, move the negatives buffer to the heap.
	*tally
}

// tally collects per-reason state in arrays indexed by reason, so nothing
// here needs a map.
type tally struct {
	now     time.Time
	on      [numReasons]bool
	since   [numReasons]time.Time // earliest start among counting facts
	cleared time.Time             // latest instant a non-green fact stopped counting
	next    time.Time             // earliest instant after now the result may change
}

func (e *evaluation) colour(r reason) healthcode.Colour { return colourOf(e.p, r) }

func isAction(r reason) bool { return r >= numColourReasons && r < numActionReasons }

func colourOf(p *Policy, r reason) healthcode.Colour {
	if r < numColourReasons {
		return p.colours[r]
	}
	return healthcode.Green
}

// interval records a fact of reason r that counts from start until end
// (zero: open-ended).
func (e *evaluation) interval(r reason, start, end time.Time) {
	if start.After(e.now) {
		e.changeAt(start)
		return
	}
	if !end.IsZero() && !end.After(e.now) {
		if e.colour(r) != healthcode.Green && end.After(e.cleared) {
			e.cleared = end
		}
		return
	}
	if !e.on[r] || start.Before(e.since[r]) {
		e.since[r] = start
	}
	e.on[r] = true
	if !end.IsZero() {
		e.changeAt(end)
	}
}

// changeAt notes an instant at which the status may change by time alone.
func (t *tally) changeAt(at time.Time) {
	if at.After(t.now) && (t.next.IsZero() || at.Before(t.next)) {
		t.next = at
	}
}

// periodFact records a fact that turns back by its colour's period and
// tests, or earlier at closed when it is set (a case closed, a contact
// cleared).
func (e *evaluation) periodFact(r reason, start, closed time.Time) {
	if e.p.colours[r] == healthcode.Green {
		return
	}
	end := e.turnBack(r, start)
	if !closed.IsZero() && (end.IsZero() || closed.Before(end)) {
		end = closed
	}
	e.interval(r, start, end)
}

// turnBack is when a fact of reason r that began at start stops counting:
// its period over and its negative tests in. Zero while tests are missing,
// because then only a new test, not time, can change it.
func (e *evaluation) turnBack(r reason, start time.Time) time.Time {
	pd := e.p.periods[e.p.colours[r]]
	end := start.Add(pd.length)
	if pd.tests == 0 {
		return end
	}
	// Greedy: the earliest test after start, then each next one at least
	// the interval later, finds a qualifying series whenever one exists.
	i := firstAfter(e.negatives, 0, start)
	for n := 1; ; n++ {
		if i == len(e.negatives) {
			return time.Time{}
		}
		if n == pd.tests {
			break
		}
		i = firstAtOrAfter(e.negatives, i+1, e.negatives[i].Add(pd.interval))
	}
	if done := e.negatives[i]; done.After(end) {
		end = done
	}
	return end
}

// action records an action reason that holds from at until the first
// negative test sampled after it.
func (e *evaluation) action(r reason, at time.Time) {
	e.interval(r, at, e.firstNegativeAfter(at))
}

func (e *evaluation) firstNegativeAfter(t time.Time) time.Time {
	if i := firstAfter(e.negatives, 0, t); i < len(e.negatives) {
		return e.negatives[i]
	}
	return time.Time{}
}

func (e *evaluation) tests(tests []healthcode.Test) {
	for i := range tests {
		t := &tests[i]
		if t.SampledAt.After(e.now) {
			e.changeAt(t.SampledAt)
			continue
		}
		if t.Pooled && t.Result == healthcode.Positive {
			// The tube is positive, not the person: it is no result of
			// theirs to show, only the pooled_positive reason.
			continue
		}
		if e.latest == nil || t.SampledAt.After(e.latest.SampledAt) ||
			(t.SampledAt.Equal(e.latest.SampledAt) && t.Result == healthcode.Positive) {
			e.latest = t
		}
	}
	for i := range tests {
		t := &tests[i]
		if t.Result != healthcode.Positive || t.SampledAt.After(e.now) {
			continue
		}
		switch {
		case t.Pooled && e.p.colours[rPooledPositive] != healthcode.Green:
			e.interval(rPooledPositive, t.SampledAt, e.firstSingleAfter(tests, t.SampledAt))
		case !t.Pooled && e.p.colours[rPositiveTest] != healthcode.Green:
			e.interval(rPositiveTest, t.SampledAt, e.firstNegativeAfter(t.SampledAt))
		}
	}
}

// firstSingleAfter is when a pooled positive sampled at from is resolved:
// the first later single (non-pooled) test that came back, positive (which
// then counts as positive_test) or a negative that counts for turning back.
// Zero while none has.
func (e *evaluation) firstSingleAfter(tests []healthcode.Test, from time.Time) time.Time {
	var first time.Time
	for i := range tests {
		t := &tests[i]
		if t.Pooled || !t.SampledAt.After(from) || t.SampledAt.After(e.now) {
			continue
		}
		if t.Result == healthcode.Negative && !countsForTurningBack(t, e.p.antigenClears) {
			continue
		}
		if first.IsZero() || t.SampledAt.Before(first) {
			first = t.SampledAt
		}
	}
	return first
}

// countsForTurningBack reports whether a negative test may end a fact:
// PCR always, antigen only when the policy says so.
func countsForTurningBack(t *healthcode.Test, antigenClears bool) bool {
	return t.Method != healthcode.MethodAntigen || antigenClears
}

// negativeTests appends to buf the sample times of negative tests taken at
// or before now that count for turning back, oldest first. (A function, not
// a method, so that buf can stay on the caller's stack.)
func negativeTests(buf []time.Time, tests []healthcode.Test, now time.Time, antigenClears bool) []time.Time {
	for i := range tests {
		if t := &tests[i]; t.Result == healthcode.Negative && !t.SampledAt.After(now) && countsForTurningBack(t, antigenClears) {
			buf = append(buf, t.SampledAt)
		}
	}
	if !slices.IsSortedFunc(buf, time.Time.Compare) {
		slices.SortFunc(buf, time.Time.Compare)
	}
	return buf
}

func (e *evaluation) caseRecord(c *healthcode.Case) {
	if c.Status == healthcode.CaseDismissed {
		return // ruled out: it never counted
	}
	switch c.Kind {
	case healthcode.CaseConfirmed:
		e.periodFact(rCaseConfirmed, c.DiagnosedAt, c.ClosedAt)
	case healthcode.CaseSuspected:
		e.periodFact(rCaseSuspected, c.DiagnosedAt, c.ClosedAt)
	case healthcode.CaseAsymptomatic:
		e.periodFact(rCaseAsymptomatic, c.DiagnosedAt, c.ClosedAt)
	}
}

func (e *evaluation) contact(c *healthcode.Contact) {
	switch c.Kind {
	case healthcode.ContactClose:
		e.periodFact(rCloseContact, c.ExposedAt, c.ClearedAt)
	case healthcode.ContactSecondary:
		e.periodFact(rSecondaryContact, c.ExposedAt, c.ClearedAt)
	case healthcode.ContactCompanion:
		e.periodFact(rCompanion, c.ExposedAt, c.ClearedAt)
	}
}

// quarantine counts for the order's term, whatever the tests say: the
// order, not the engine, decides when it ends.
func (e *evaluation) quarantine(q *healthcode.Quarantine) {
	var r reason
	switch q.Kind {
	case healthcode.QuarantineCentralised:
		r = rQuarantineCentralised
	case healthcode.QuarantineHome:
		r = rQuarantineHome
	case healthcode.QuarantineHomeMonitoring:
		r = rHomeMonitoring
	default:
		return
	}
	if e.p.colours[r] != healthcode.Green {
		e.interval(r, q.From, q.Until)
	}
}

func (e *evaluation) declaration(d *healthcode.Declaration, areas []healthcode.RiskArea) {
	at := d.CreatedAt
	if at.After(e.now) {
		e.changeAt(at)
		return
	}
	fever, respiratory := e.p.Fever(d.Temperature, d.Symptoms), false
	for _, s := range d.Symptoms {
		if s != "fever" && contains(e.p.respiratory, s) {
			respiratory = true
		}
	}
	if fever {
		e.periodFact(rDeclaredFever, at, time.Time{})
	}
	if respiratory {
		e.periodFact(rDeclaredRespiratory, at, time.Time{})
	}
	if d.CaseContact == healthcode.ContactYes {
		e.periodFact(rDeclaredCaseContact, at, time.Time{})
	}
	if d.FeverMedicine && e.p.feverMedicine {
		e.action(rFeverMedicine, at)
	}
	for i := range d.Places {
		s := &d.Places[i]
		e.stay(s.Division, s.From, s.To, areas)
	}
}

// healthCheck asks a person with fever at a check (a school's morning or
// noon check, their own daily check-in) to get tested: action required
// from the check until the first test sampled after it comes back, of
// whatever result (that test's own rules then apply), but no longer than
// HealthCheckWindow, the checks the store reads.
func (e *evaluation) healthCheck(c *healthcode.HealthCheck, tests []healthcode.Test) {
	if !e.p.Fever(c.Temperature, c.Symptoms) {
		return
	}
	end := c.CheckedAt.Add(healthcode.HealthCheckWindow)
	if tested := e.firstTestAfter(tests, c.CheckedAt); !tested.IsZero() && tested.Before(end) {
		end = tested
	}
	e.interval(rFeverAtCheck, c.CheckedAt, end)
}

// firstTestAfter is when the first test sampled after from and at or
// before now was taken: a positive of any kind, or a negative that counts
// for turning back (an antigen negative only when the policy says so).
// Zero when none.
func (e *evaluation) firstTestAfter(tests []healthcode.Test, from time.Time) time.Time {
	var first time.Time
	for i := range tests {
		t := &tests[i]
		if !t.SampledAt.After(from) || t.SampledAt.After(e.now) {
			continue
		}
		if t.Result == healthcode.Negative && !countsForTurningBack(t, e.p.antigenClears) {
			continue
		}
		if first.IsZero() || t.SampledAt.Before(first) {
			first = t.SampledAt
		}
	}
	return first
}

// remoteStatuses counts another region's red or yellow until its Until or
// until that region reports a newer status, whichever comes first.
func (e *evaluation) remoteStatuses(list []healthcode.RemoteStatus) {
	for i := range list {
		s := &list[i]
		var r reason
		switch s.Colour {
		case healthcode.Red:
			r = rRemoteRed
		case healthcode.Yellow:
			r = rRemoteYellow
		default:
			continue
		}
		if e.p.colours[r] == healthcode.Green {
			continue
		}
		end := s.Until
		for j := range list {
			o := &list[j]
			if o.Region == s.Region && o.At.After(s.At) && (end.IsZero() || o.At.Before(end)) {
				end = o.At
			}
		}
		e.interval(r, s.At, end)
	}
}

func (t *tally) status(p *Policy, now time.Time) *healthcode.Status {
	s := &healthcode.Status{
		PolicyVersion: p.Version,
		EvaluatedAt:   now,
		ReevaluateAt:  t.next,
	}
	n := 0
	for r := reason(0); r < numReasons; r++ {
		if !t.on[r] {
			continue
		}
		n++
		if c := colourOf(p, r); c > s.Colour {
			s.Colour = c
		}
		if isAction(r) {
			s.ActionRequired = true
		}
	}
	s.Reasons = make([]healthcode.Reason, 0, n)
	for c := healthcode.Red; c >= healthcode.Green; c-- {
		for r := reason(0); r < numReasons; r++ {
			if !t.on[r] || colourOf(p, r) != c {
				continue
			}
			text := &catalog[r]
			s.Reasons = append(s.Reasons, healthcode.Reason{
				Code: text.code, Colour: c, Action: isAction(r),
				TextZH: text.zh, TextEN: text.en, Since: t.since[r],
			})
			if c == s.Colour && c != healthcode.Green && (s.Since.IsZero() || t.since[r].Before(s.Since)) {
				s.Since = t.since[r]
			}
		}
	}
	if s.Colour == healthcode.Green {
		s.Since = t.cleared
	}
	return s
}

// declared reports whether the person had declared by now: no code is
// issued before the first declaration.
func declared(list []healthcode.Declaration, now time.Time) bool {
	for i := range list {
		if !list[i].CreatedAt.After(now) {
			return true
		}
	}
	return false
}

// doses counts distinct dose numbers given at or before now; a dose
// imported twice counts once.
func doses(list []healthcode.Vaccination, now time.Time) int {
	var seen uint64
	n := 0
	for i := range list {
		v := &list[i]
		if v.Dose < 1 || v.Dose > 63 || v.At.After(now) || seen&(1<<v.Dose) != 0 {
			continue
		}
		seen |= 1 << v.Dose
		n++
	}
	return n
}

// firstAfter returns the index of the first time in ts[lo:] after t.
func firstAfter(ts []time.Time, lo int, t time.Time) int {
	hi := len(ts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ts[m].After(t) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// firstAtOrAfter returns the index of the first time in ts[lo:] at or after t.
func firstAtOrAfter(ts []time.Time, lo int, t time.Time) int {
	hi := len(ts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !ts[m].Before(t) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
