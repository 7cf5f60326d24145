package node

import (
	"context"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
)

// Overview serves the health authority's dashboard: the colours people
// hold and the last 24 hours at the region's doors. The figures are
// read at most once a minute: counting every status is a pass over the
// table, which a dashboard left open must not repeat.
type Overview struct {
	Store healthcode.OverviewStore
	Now   func() time.Time
	// History, when set, gives the colours held at each hour of the last
	// HistoryDays days (the colour history job's rows).
	History healthcode.ColourHistoryStore

	mu   sync.Mutex
	last *healthcode.RegionOverview
}

// OverviewFor is how long a dashboard's figures are served again.
const OverviewFor = time.Minute

// HistoryDays is how many days of the colour history the dashboard draws.
const HistoryDays = 14

// overviewTop is how many of the busiest venues the dashboard lists.
const overviewTop = 10

// Region returns the dashboard, for health staff and admins.
func (o *Overview) Region(ctx context.Context, caller *healthcode.Caller) (*healthcode.RegionOverview, error) {
	if !caller.Is(healthcode.RoleHealth, healthcode.RoleAdmin) {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only health staff and admins read the region's figures")
	}
	now := o.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.last != nil && now.Sub(o.last.At) < OverviewFor && !now.Before(o.last.At) {
		return o.last, nil
	}
	to := now.Truncate(time.Hour).Add(time.Hour)
	ov, err := o.Store.RegionOverview(ctx, to.Add(-24*time.Hour), to, overviewTop)
	if err != nil {
		return nil, err
	}
	if o.History != nil {
		if ov.ColourHistory, err = o.History.ColourHistory(ctx, to.Add(-HistoryDays*24*time.Hour), to); err != nil {
			return nil, err
		}
	}
	ov.At = now
	o.last = ov
	return ov, nil
}
