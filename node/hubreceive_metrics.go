package node

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Results of received batches counted by healthcode_hub_batches_total.
const (
	ReceiveApplied   = "applied"
	ReceiveDuplicate = "duplicate" // applied already: skipped
	ReceiveRefused   = "refused"   // did not verify: skipped, not applied
	ReceiveFailed    = "failed"    // the store or the import failed: comes again
)

// HubBatchesHelp is the help of healthcode_hub_batches_total. The sending
// and the receiving side count in one family, by direction, so both
// register it with this text: the second takes the first's.
const HubBatchesHelp = "Batches sent to or received from the hub, by direction and result."

// HubReceiveMetrics are the metrics of a HubReceiver. A nil
// *HubReceiveMetrics records nothing.
type HubReceiveMetrics struct {
	batches *prometheus.CounterVec
}

// NewHubReceiveMetrics registers the receiver's metrics on reg, sharing
// healthcode_hub_batches_total with the sender when it registered it first.
func NewHubReceiveMetrics(reg prometheus.Registerer) *HubReceiveMetrics {
	batches := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthcode_hub_batches_total", Help: HubBatchesHelp,
	}, []string{"direction", "result"})
	if err := reg.Register(batches); err != nil {
		var dup prometheus.AlreadyRegisteredError
		if !errors.As(err, &dup) {
			panic(err)
		}
		batches = dup.ExistingCollector.(*prometheus.CounterVec)
	}
	m := &HubReceiveMetrics{batches: batches}
	for _, r := range []string{ReceiveApplied, ReceiveDuplicate, ReceiveRefused, ReceiveFailed} {
		m.batches.WithLabelValues("received", r)
	}
	return m
}

func (m *HubReceiveMetrics) received(result string) {
	if m != nil {
		m.batches.WithLabelValues("received", result).Inc()
	}
}
