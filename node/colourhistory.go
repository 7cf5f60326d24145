package node

import (
	"context"
	"log/slog"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/prometheus/client_golang/prometheus"
)

// ColourHistoryRetention is how long the hourly colour counts are kept.
const ColourHistoryRetention = 90 * 24 * time.Hour

// ColourHistory counts the statuses by colour once an hour (the
// overview's one pass over them) into the colour history the dashboard
// draws over time, and deletes the hours older than Retention.
type ColourHistory struct {
	Store     healthcode.ColourHistoryStore
	Now       func() time.Time
	Logger    *slog.Logger
	Retention time.Duration
	recorded  *prometheus.CounterVec
}

// NewColourHistory makes the job, its counter registered with reg (nil:
// none).
func NewColourHistory(store healthcode.ColourHistoryStore, now func() time.Time, logger *slog.Logger, reg prometheus.Registerer) *ColourHistory {
	c := &ColourHistory{Store: store, Now: now, Logger: logger, Retention: ColourHistoryRetention,
		recorded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_colour_history_counts_total",
			Help: "Hourly counts of the statuses by colour taken for the dashboard's history, by result (ok or error).",
		}, []string{"result"})}
	if reg != nil {
		reg.MustRegister(c.recorded)
	}
	return c
}

// Record counts the statuses as the current hour's row, replacing one it
// has, and purges the hours past the retention.
func (c *ColourHistory) Record(ctx context.Context) error {
	now := c.Now()
	start := time.Now()
	h, err := c.Store.RecordColourHour(ctx, now)
	if err != nil {
		c.count("error")
		return err
	}
	c.count("ok")
	c.Logger.InfoContext(ctx, "colour history counted", "hour", h.Hour, "green", h.Green, "yellow", h.Yellow,
		"red", h.Red, "action_required", h.ActionRequired, "took", time.Since(start).Round(time.Millisecond))
	if c.Retention > 0 {
		n, err := c.Store.PurgeColourHistory(ctx, now.Add(-c.Retention))
		if err != nil {
			return err
		}
		if n > 0 {
			c.Logger.InfoContext(ctx, "colour history purged", "hours", n, "retention", c.Retention.String())
		}
	}
	return nil
}

func (c *ColourHistory) count(result string) {
	if c.recorded != nil {
		c.recorded.WithLabelValues(result).Inc()
	}
}

// Run counts once at start when the current hour has no row yet, then at
// the start of every hour, until ctx ends.
func (c *ColourHistory) Run(ctx context.Context) {
	if ok, err := c.Store.HasColourHour(ctx, c.Now()); err != nil {
		if ctx.Err() == nil {
			c.Logger.ErrorContext(ctx, "colour history: cannot read the current hour", "err", err)
		}
	} else if !ok {
		c.record(ctx)
	}
	for {
		now := c.Now()
		t := time.NewTimer(now.Truncate(time.Hour).Add(time.Hour).Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		c.record(ctx)
	}
}

func (c *ColourHistory) record(ctx context.Context) {
	if err := c.Record(ctx); err != nil && ctx.Err() == nil {
		c.Logger.ErrorContext(ctx, "colour history: counting failed", "err", err)
	}
}
