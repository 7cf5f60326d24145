package http

import (
	"github.com/healthcode/healthcode"
	"github.com/prometheus/client_golang/prometheus"
)

// hubResolveMetrics counts the hub's resolves by result:
//
//	healthcode_hub_resolves_total{result="live|fallback|code|invalid|refused|failed"}
//
// live: the region's node answered; fallback: it was asked and did not,
// so the code's claims counted; code: the region has no endpoint (or
// token) to ask; invalid: the code did not verify (a signed answer all
// the same); refused: a 4xx to the request; failed: the hub's own error.
// A nil *hubResolveMetrics counts nothing.
type hubResolveMetrics struct {
	resolves *prometheus.CounterVec
}

func newHubResolveMetrics(reg prometheus.Registerer) *hubResolveMetrics {
	m := &hubResolveMetrics{resolves: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthcode_hub_resolves_total", Help: "Codes resolved by the hub for the nodes (way 2), by result.",
	}, []string{"result"})}
	for _, r := range []string{"live", "fallback", "code", "invalid", "refused", "failed"} {
		m.resolves.WithLabelValues(r)
	}
	reg.MustRegister(m.resolves)
	return m
}

func (m *hubResolveMetrics) resolved(res *healthcode.Resolution, err error) {
	if m == nil {
		return
	}
	var result string
	switch code := healthcode.ErrorCode(err); {
	case code == healthcode.EINTERNAL || code == healthcode.EUNAVAILABLE:
		result = "failed"
	case err != nil:
		result = "refused"
	case !res.Status.Valid:
		result = "invalid"
	case res.Status.Source == healthcode.SourceLive:
		result = "live"
	case res.Fallback:
		result = "fallback"
	default:
		result = "code"
	}
	m.resolves.WithLabelValues(result).Inc()
}
