package node

import (
	"github.com/healthcode/healthcode"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the node's own Prometheus metrics. A nil *Metrics records
// nothing, so tests need not set one up.
type Metrics struct {
	codesIssued *prometheus.CounterVec
	evaluations *prometheus.CounterVec
	recompute   *recomputeMetrics
	scans       *prometheus.CounterVec
	denials     *prometheus.CounterVec
	abandons    *prometheus.CounterVec
}

// NewMetrics registers the node's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		codesIssued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_codes_issued_total", Help: "Health codes issued, by colour.",
		}, []string{"colour"}),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_status_evaluations_total", Help: "Status evaluations, by resulting colour.",
		}, []string{"colour"}),
	}
	m.scans = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthcode_scans_total", Help: "Scans logged, by source and verdict.",
	}, []string{"source", "verdict"})
	m.denials = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthcode_scan_denials_total", Help: "Deny reasons of logged scans.",
	}, []string{"reason"})
	m.abandons = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthcode_jobs_abandoned_total",
		Help: "Jobs and traces left queued or running by a process that died, failed by the sweep, by kind.",
	}, []string{"kind"})
	reg.MustRegister(m.codesIssued, m.evaluations, m.scans, m.denials, m.abandons)
	m.recompute = newRecomputeMetrics(reg)
	return m
}

func (m *Metrics) issued(c healthcode.Colour) {
	if m != nil {
		m.codesIssued.WithLabelValues(c.String()).Inc()
	}
}

func (m *Metrics) evaluated(s *healthcode.Status) {
	if m != nil {
		m.evaluations.WithLabelValues(s.Colour.String()).Inc()
	}
}

// scanned counts logged scans; the batch upload counts with scannedN.
func (m *Metrics) scanned(sc *healthcode.Scan) {
	if m != nil {
		m.scans.WithLabelValues(sc.Source, sc.Verdict).Inc()
		for _, r := range sc.Reasons {
			m.denials.WithLabelValues(r).Inc()
		}
	}
}

func (m *Metrics) scannedOffline(n int) {
	if m != nil {
		m.scans.WithLabelValues(healthcode.ScanOffline, "uploaded").Add(float64(n))
	}
}

// abandoned counts the rows an AbandonedSweep failed.
func (m *Metrics) abandoned(jobs, traces int64) {
	if m != nil {
		m.abandons.WithLabelValues("recompute").Add(float64(jobs))
		m.abandons.WithLabelValues("trace").Add(float64(traces))
	}
}
