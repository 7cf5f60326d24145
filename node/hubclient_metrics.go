package node

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Results counted by healthcode_hub_fetch_total and healthcode_hub_publish_total.
const (
	HubOK           = "ok"
	HubNotModified  = "not_modified"
	HubBadSignature = "bad_signature" // the list does not verify under the pinned key, or does not parse
	HubStale        = "stale"         // older than the list held
	HubUnreachable  = "unreachable"   // network error or a 5xx answer
	HubRefused      = "refused"       // the hub refused the keys (4xx)
	HubFailed       = "failed"        // the node could not build its request
)

// HubMetrics are the metrics of a HubClient. A nil *HubMetrics records
// nothing.
type HubMetrics struct {
	fetches   *prometheus.CounterVec
	publishes *prometheus.CounterVec
	held      atomic.Pointer[heldList]
}

// heldList is what the age gauge reads: the held list's issued_at, against
// the client's clock.
type heldList struct {
	issuedAt time.Time
	now      func() time.Time
}

// NewHubMetrics registers the hub client's metrics on reg.
func NewHubMetrics(reg prometheus.Registerer) *HubMetrics {
	m := &HubMetrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_hub_fetch_total", Help: "Fetches of the hub's trust list, by result.",
		}, []string{"result"}),
		publishes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_hub_publish_total", Help: "Publications of this region's keys to the hub, by result.",
		}, []string{"result"}),
	}
	// +Inf while no list is held: an alert on a stale list also fires for a
	// node that never had one.
	age := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "healthcode_hub_trust_age_seconds", Help: "Seconds since the held hub trust list was issued (+Inf when none is held).",
	}, func() float64 {
		h := m.held.Load()
		if h == nil {
			return math.Inf(1)
		}
		return h.now().Sub(h.issuedAt).Seconds()
	})
	for _, r := range []string{HubOK, HubNotModified, HubBadSignature, HubStale, HubUnreachable} {
		m.fetches.WithLabelValues(r)
	}
	for _, r := range []string{HubOK, HubRefused, HubUnreachable, HubFailed} {
		m.publishes.WithLabelValues(r)
	}
	reg.MustRegister(m.fetches, m.publishes, age)
	return m
}

func (m *HubMetrics) fetched(result string) {
	if m != nil {
		m.fetches.WithLabelValues(result).Inc()
	}
}

func (m *HubMetrics) published(result string) {
	if m != nil {
		m.publishes.WithLabelValues(result).Inc()
	}
}

func (m *HubMetrics) hold(issuedAt time.Time, now func() time.Time) {
	if m != nil {
		m.held.Store(&heldList{issuedAt: issuedAt, now: now})
	}
}
