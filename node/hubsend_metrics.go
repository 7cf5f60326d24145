package node

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Results counted by healthcode_hub_batches_total{direction="sent"}, with
// HubOK (stored by the hub), HubRefused (4xx) and HubUnreachable (network
// error or 5xx).
const (
	BatchDuplicate = "duplicate" // the hub had the batch from an earlier try
	BatchFailed    = "failed"    // the node could not pack, sign or mark it
)

// HubSendMetrics are the metrics of a HubSender. A nil *HubSendMetrics
// records nothing.
type HubSendMetrics struct {
	batches *prometheus.CounterVec
	outbox  prometheus.Gauge
	parked  *prometheus.GaugeVec

	mu       sync.Mutex
	parkedTo map[string]bool // the regions the parked gauge has a series for
}

// NewHubSendMetrics registers the sender's metrics on reg. The batch
// counter is shared with the receiving side (direction="received"):
// whichever registers second takes the first's.
func NewHubSendMetrics(reg prometheus.Registerer) *HubSendMetrics {
	m := &HubSendMetrics{
		batches: hubBatchesCounter(reg),
		outbox: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "healthcode_hub_outbox_records", Help: "Records queued for other regions and not yet taken by the hub.",
		}),
	}
	m.parked = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "healthcode_hub_outbox_parked_batches",
		Help: "Batches the hub refused too often, parked until an operator requeues or drops them (healthcode outbox requeue|drop), by the region they go to.",
	}, []string{"to"})
	reg.MustRegister(m.outbox, m.parked)
	for _, r := range []string{HubOK, BatchDuplicate, HubRefused, HubUnreachable, BatchFailed} {
		m.batches.WithLabelValues("sent", r)
	}
	return m
}

// hubBatchesCounter registers healthcode_hub_batches_total on reg, or
// returns the one registered already.
func hubBatchesCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthcode_hub_batches_total", Help: HubBatchesHelp,
	}, []string{"direction", "result"})
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector.(*prometheus.CounterVec)
		}
		panic(err)
	}
	return c
}

func (m *HubSendMetrics) sent(result string) {
	if m != nil {
		m.batches.WithLabelValues("sent", result).Inc()
	}
}

// setParked sets the parked batches of each region; a region with none
// any more keeps its series, at 0.
func (m *HubSendMetrics) setParked(byRegion map[string]int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.parkedTo == nil {
		m.parkedTo = map[string]bool{}
	}
	for to := range m.parkedTo {
		if _, ok := byRegion[to]; !ok {
			m.parked.WithLabelValues(to).Set(0)
		}
	}
	for to, n := range byRegion {
		m.parkedTo[to] = true
		m.parked.WithLabelValues(to).Set(float64(n))
	}
}

func (m *HubSendMetrics) unsent(n int64) {
	if m != nil {
		m.outbox.Set(float64(n))
	}
}
