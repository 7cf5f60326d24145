package node_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/prometheus/client_golang/prometheus"
)

// fakeColourHistory records the hours counted and the purge cutoffs.
type fakeColourHistory struct {
	mu      sync.Mutex
	hours   map[time.Time]bool
	cutoffs []time.Time
	counted chan time.Time
}

func (f *fakeColourHistory) RecordColourHour(_ context.Context, hour time.Time) (*healthcode.ColourHour, error) {
	h := hour.Truncate(time.Hour)
	f.mu.Lock()
	f.hours[h] = true
	f.mu.Unlock()
	f.counted <- h
	return &healthcode.ColourHour{Hour: h, Green: 1}, nil
}

func (f *fakeColourHistory) HasColourHour(_ context.Context, hour time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hours[hour.Truncate(time.Hour)], nil
}

func (f *fakeColourHistory) ColourHistory(context.Context, time.Time, time.Time) ([]healthcode.ColourHour, error) {
	return nil, nil
}

func (f *fakeColourHistory) PurgeColourHistory(_ context.Context, cutoff time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cutoffs = append(f.cutoffs, cutoff)
	return 0, nil
}

// TestColourHistoryJob: the job counts at start when the current hour has
// no row (and not when it has one), purges past 90 days and counts in
// its Prometheus counter.
func TestColourHistoryJob(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	for _, has := range []bool{false, true} {
		store := &fakeColourHistory{hours: map[time.Time]bool{}, counted: make(chan time.Time, 4)}
		if has {
			store.hours[now.Truncate(time.Hour)] = true
		}
		reg := prometheus.NewRegistry()
		job := node.NewColourHistory(store, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { job.Run(ctx); close(done) }()
		select {
		case h := <-store.counted:
			if has {
				t.Fatalf("counted %v again though the hour has a row", h)
			}
			if !h.Equal(now.Truncate(time.Hour)) {
				t.Fatalf("counted hour %v", h)
			}
		case <-time.After(200 * time.Millisecond):
			if !has {
				t.Fatal("the job did not count at start")
			}
		}
		cancel()
		<-done
		store.mu.Lock()
		if !has && (len(store.cutoffs) != 1 || !store.cutoffs[0].Equal(now.Add(-90*24*time.Hour))) {
			t.Errorf("purge cutoffs %v", store.cutoffs)
		}
		store.mu.Unlock()
		want := 1.0
		if has {
			want = 0
		}
		var got float64
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "healthcode_colour_history_counts_total" {
				for _, m := range mf.GetMetric() {
					if m.GetLabel()[0].GetValue() == "ok" {
						got = m.GetCounter().GetValue()
					}
				}
			}
		}
		if got != want {
			t.Errorf("counter ok = %v, want %v", got, want)
		}
	}
}
