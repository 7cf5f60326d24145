package http

import (
	"github.com/healthcode/healthcode"
	"github.com/prometheus/client_golang/prometheus"
)

// hubBatchMetrics counts the batches posted to the hub by result:
//
//	healthcode_hub_batch_posts_total{result="accepted|duplicate|refused|failed"}
//
// refused is a 4xx answer (the sender must change something), failed the
// hub's own error (the sender retries). A nil *hubBatchMetrics counts
// nothing.
type hubBatchMetrics struct {
	posts *prometheus.CounterVec
}

func newHubBatchMetrics(reg prometheus.Registerer) *hubBatchMetrics {
	m := &hubBatchMetrics{posts: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthcode_hub_batch_posts_total", Help: "Batches posted to the hub, by result.",
	}, []string{"result"})}
	for _, r := range []string{"accepted", "duplicate", "refused", "failed"} {
		m.posts.WithLabelValues(r)
	}
	reg.MustRegister(m.posts)
	return m
}

// posted counts one post that ended with err (nil when stored, or a
// duplicate).
func (m *hubBatchMetrics) posted(err error, duplicate bool) {
	if m == nil {
		return
	}
	result := "accepted"
	switch code := healthcode.ErrorCode(err); {
	case code == healthcode.EINTERNAL || code == healthcode.EUNAVAILABLE:
		result = "failed"
	case err != nil:
		result = "refused"
	case duplicate:
		result = "duplicate"
	}
	m.posts.WithLabelValues(result).Inc()
}
