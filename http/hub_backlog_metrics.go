package http

import (
	"context"
	"log/slog"
	"math"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/prometheus/client_golang/prometheus"
)

// hubBacklogTimeout bounds a scrape's read of the store: a slow database
// must not hold /metrics past Prometheus' own timeout (10 s by default),
// which would lose the other metrics too.
const hubBacklogTimeout = 2 * time.Second

// hubBacklogCollector shows, per region, what waits for it at the hub
// (way 1), so that a region whose node stopped pulling is seen:
//
//	healthcode_hub_waiting_batches{region}
//	healthcode_hub_oldest_waiting_seconds{region}  (0 when none waits)
//	healthcode_hub_last_ack_age_seconds{region}    (+Inf when never acked)
//
// They are read from the store at each scrape rather than kept in gauges:
// the store is the truth whichever hub process took the posts and acks,
// and across restarts. When the read fails the error is logged and these
// series are left out; the scrape answers the others.
type hubBacklogCollector struct {
	read    func(ctx context.Context) ([]healthcode.BatchBacklog, error)
	now     func() time.Time
	logger  *slog.Logger
	timeout time.Duration

	waiting, oldest, lastAck *prometheus.Desc
}

func newHubBacklogCollector(read func(ctx context.Context) ([]healthcode.BatchBacklog, error), now func() time.Time, logger *slog.Logger) *hubBacklogCollector {
	region := []string{"region"}
	return &hubBacklogCollector{read: read, now: now, logger: logger, timeout: hubBacklogTimeout,
		waiting: prometheus.NewDesc("healthcode_hub_waiting_batches",
			"Batches the hub holds for the region that it has not acked.", region, nil),
		oldest: prometheus.NewDesc("healthcode_hub_oldest_waiting_seconds",
			"Seconds since the hub received the first batch waiting for the region (0 when none waits).", region, nil),
		lastAck: prometheus.NewDesc("healthcode_hub_last_ack_age_seconds",
			"Seconds since the region last acked batches (+Inf when it never has).", region, nil),
	}
}

func (c *hubBacklogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.waiting
	ch <- c.oldest
	ch <- c.lastAck
}

func (c *hubBacklogCollector) Collect(ch chan<- prometheus.Metric) {
	// Gather gives no context: the timeout is the scrape's bound.
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	backlogs, err := c.read(ctx)
	if err != nil {
		c.logger.Error("batch backlogs not read for /metrics", "err", err)
		return
	}
	now := c.now()
	for _, b := range backlogs {
		oldest, lastAck := 0.0, math.Inf(1)
		if !b.Oldest.IsZero() {
			oldest = backlogAge(now, b.Oldest)
		}
		if !b.LastAck.IsZero() {
			lastAck = backlogAge(now, b.LastAck)
		}
		ch <- prometheus.MustNewConstMetric(c.waiting, prometheus.GaugeValue, float64(b.Batches), b.Region)
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, oldest, b.Region)
		ch <- prometheus.MustNewConstMetric(c.lastAck, prometheus.GaugeValue, lastAck, b.Region)
	}
}

// backlogAge is the seconds from t to now, 0 for a t ahead: another hub
// process's clock may run slightly ahead of this one's.
func backlogAge(now, t time.Time) float64 {
	return max(now.Sub(t), 0).Seconds()
}
