package node

import (
	"errors"

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
	reg.MustRegister(m.outbox)
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

func (m *HubSendMetrics) unsent(n int64) {
	if m != nil {
		m.outbox.Set(float64(n))
	}
}
