package http

import (
	"github.com/healthcode/healthcode"
	"github.com/prometheus/client_golang/prometheus"
)

// hubExchangeMetrics counts the exchanges of local codes by result:
//
//	healthcode_hub_exchanges_total{result="issued|refused|rate_limited|failed"}
//
// refused is a code the hub does not take (expired, untrusted, malformed);
// failed the hub's own error. A nil *hubExchangeMetrics counts nothing.
type hubExchangeMetrics struct {
	exchanges *prometheus.CounterVec
}

func newHubExchangeMetrics(reg prometheus.Registerer) *hubExchangeMetrics {
	m := &hubExchangeMetrics{exchanges: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthcode_hub_exchanges_total", Help: "Local codes presented for a national code, by result.",
	}, []string{"result"})}
	for _, r := range []string{"issued", "refused", "rate_limited", "failed"} {
		m.exchanges.WithLabelValues(r)
	}
	reg.MustRegister(m.exchanges)
	return m
}

// exchanged counts one exchange that ended with err.
func (m *hubExchangeMetrics) exchanged(err error) {
	if m == nil {
		return
	}
	result := "issued"
	switch code := healthcode.ErrorCode(err); {
	case err == nil:
	case code == healthcode.ERATELIMIT:
		result = "rate_limited"
	case code == healthcode.EINTERNAL || code == healthcode.EUNAVAILABLE:
		result = "failed"
	default:
		result = "refused"
	}
	m.exchanges.WithLabelValues(result).Inc()
}
