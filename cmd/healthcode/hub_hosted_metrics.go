package main

import "github.com/prometheus/client_golang/prometheus"

// hostedMetrics count the policy changes of the regions the hub hosts:
//
//	healthcode_hub_hosted_policy_changes_total{region, result="applied|rejected|failed"}
//
// applied: the region is judged by its new policy; rejected: its stored
// policy does not load, and it keeps the policy it has (or, not hosted
// yet, is not started); failed: the stack of the new policy was not built
// (the store's error). Rejected and failed are tried, and counted, again
// at each sync until the policy is fixed. A nil *hostedMetrics counts
// nothing.
type hostedMetrics struct {
	changes *prometheus.CounterVec
}

var hostedPolicyResults = []string{"applied", "rejected", "failed"}

func newHostedMetrics(reg prometheus.Registerer) *hostedMetrics {
	m := &hostedMetrics{changes: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthcode_hub_hosted_policy_changes_total",
		Help: "Policy changes of the regions the hub hosts, by region and result.",
	}, []string{"region", "result"})}
	reg.MustRegister(m.changes)
	return m
}

// hosting makes region's series, at 0, when its hosting starts.
func (m *hostedMetrics) hosting(region string) {
	if m == nil {
		return
	}
	for _, r := range hostedPolicyResults {
		m.changes.WithLabelValues(region, r)
	}
}

// policy counts one change of region's policy with its result.
func (m *hostedMetrics) policy(region, result string) {
	if m != nil {
		m.changes.WithLabelValues(region, result).Inc()
	}
}
