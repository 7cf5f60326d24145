package node

import "github.com/prometheus/client_golang/prometheus"

// Results counted by healthcode_resolve_via_hub_total.
const (
	ResolveValid       = "valid"       // the hub answered a national status
	ResolveInvalid     = "invalid"     // the hub answered the code is not valid (forged, expired…)
	ResolveUnreachable = "unreachable" // network error, timeout or a 5xx: the code is denied
	ResolveRefused     = "refused"     // a 4xx: this node's token or request
	ResolveBadAnswer   = "bad_answer"  // an answer that does not verify under the pinned key, or is about another code, or stale
)

// ResolveMetrics count the codes a node resolves through the hub (way 2).
// A nil *ResolveMetrics records nothing.
type ResolveMetrics struct {
	resolves *prometheus.CounterVec
}

// NewResolveMetrics registers the metrics on reg.
func NewResolveMetrics(reg prometheus.Registerer) *ResolveMetrics {
	m := &ResolveMetrics{resolves: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthcode_resolve_via_hub_total", Help: "Codes of other regions resolved through the hub (way 2), by result.",
	}, []string{"result"})}
	for _, r := range []string{ResolveValid, ResolveInvalid, ResolveUnreachable, ResolveRefused, ResolveBadAnswer} {
		m.resolves.WithLabelValues(r)
	}
	reg.MustRegister(m.resolves)
	return m
}

func (m *ResolveMetrics) resolved(result string) {
	if m != nil {
		m.resolves.WithLabelValues(result).Inc()
	}
}
