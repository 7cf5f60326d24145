package node

import (
	"context"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultResumptionSweep is how often pending applications to resume
// work are evaluated when nobody reads them.
const DefaultResumptionSweep = time.Minute

// Sweep evaluates every pending application and approves those whose
// staff are ready enough, so an employer is approved without anyone
// looking. It returns how many it approved.
func (s *ResumptionService) Sweep(ctx context.Context) (int, error) {
	pending, err := s.Store.ListResumptions(ctx, healthcode.ResumptionPending)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	th, err := s.Store.ResumptionThreshold(ctx)
	if err != nil {
		return 0, err
	}
	// One application that fails to evaluate does not hold up the others:
	// the first error is returned once all were tried.
	approved := 0
	var first error
	for _, a := range pending {
		if ctx.Err() != nil {
			return approved, ctx.Err()
		}
		o, err := s.Store.FindOrg(ctx, a.OrgID)
		if err == nil {
			_, err = s.evaluate(ctx, o, a, th, "", false, triggerSweep, s.Now())
		}
		switch {
		case err != nil && first == nil:
			first = err
		case err == nil && a.State == healthcode.ResumptionApproved:
			approved++
		}
	}
	return approved, first
}

// RunScheduler sweeps the pending applications every interval until ctx
// is done.
func (s *ResumptionService) RunScheduler(ctx context.Context, interval time.Duration) {
	every(ctx, interval, false, func() {
		n, err := s.Sweep(ctx)
		s.Metrics.swept(err)
		switch {
		case err != nil && ctx.Err() == nil:
			s.logger().ErrorContext(ctx, "resumption: sweep failed", "err", err, "approved", n)
		case n > 0:
			s.logger().InfoContext(ctx, "resumption: sweep approved applications", "approved", n)
		}
	})
}

// ResumptionMetrics count evaluations of applications to resume work and
// the scheduler's sweeps. A nil *ResumptionMetrics records nothing.
type ResumptionMetrics struct {
	evaluations *prometheus.CounterVec
	sweeps      *prometheus.CounterVec
}

// NewResumptionMetrics registers the resumption metrics on reg.
func NewResumptionMetrics(reg prometheus.Registerer) *ResumptionMetrics {
	m := &ResumptionMetrics{
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_resumption_evaluations_total",
			Help: "Evaluations of applications to resume work, by trigger (apply, read, sweep) and result (approved: this evaluation approved it; evaluated otherwise).",
		}, []string{"trigger", "result"}),
		sweeps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_resumption_sweeps_total",
			Help: "Scheduled sweeps of pending applications to resume work, by result (ok, error).",
		}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.evaluations, m.sweeps)
	}
	return m
}

func (m *ResumptionMetrics) evaluated(trigger string, approved bool) {
	if m == nil {
		return
	}
	result := "evaluated"
	if approved {
		result = "approved"
	}
	m.evaluations.WithLabelValues(trigger, result).Inc()
}

func (m *ResumptionMetrics) swept(err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.sweeps.WithLabelValues(result).Inc()
}
