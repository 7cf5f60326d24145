package node

import (
	"github.com/healthcode/healthcode"
	"github.com/prometheus/client_golang/prometheus"
)

// OrgMetrics count roster imports, stored daily reports and webhook
// posts. A nil *OrgMetrics records nothing.
type OrgMetrics struct {
	rosterRows *prometheus.CounterVec
	rosters    *prometheus.CounterVec
	reports    *prometheus.CounterVec
	webhooks   *prometheus.CounterVec
}

// NewOrgMetrics registers the organisation metrics on reg.
func NewOrgMetrics(reg prometheus.Registerer) *OrgMetrics {
	m := &OrgMetrics{
		rosterRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_org_roster_rows_total", Help: "Roster rows imported, by outcome (added, duplicate, rejected).",
		}, []string{"outcome"}),
		rosters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_org_rosters_total", Help: "Roster files, by result (imported, refused).",
		}, []string{"result"}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_org_reports_total", Help: "Daily reports of the morning job, by result (stored, store_failed).",
		}, []string{"result"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_org_report_webhooks_total", Help: "Posts of daily reports to webhooks, by result (delivered, retried, rejected, failed).",
		}, []string{"result"}),
	}
	reg.MustRegister(m.rosterRows, m.rosters, m.reports, m.webhooks)
	return m
}

func (m *OrgMetrics) rosterImported(s *healthcode.RosterSummary) {
	if m != nil {
		m.rosters.WithLabelValues("imported").Inc()
		m.rosterRows.WithLabelValues("added").Add(float64(s.Added))
		m.rosterRows.WithLabelValues("duplicate").Add(float64(s.Duplicate))
		m.rosterRows.WithLabelValues("rejected").Add(float64(s.Rejected))
	}
}

func (m *OrgMetrics) rosterRefused() {
	if m != nil {
		m.rosters.WithLabelValues("refused").Inc()
	}
}

func (m *OrgMetrics) reported(result string) {
	if m != nil {
		m.reports.WithLabelValues(result).Inc()
	}
}

func (m *OrgMetrics) webhook(result string) {
	if m != nil {
		m.webhooks.WithLabelValues(result).Inc()
	}
}
