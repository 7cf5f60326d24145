package http

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/prometheus/client_golang/prometheus"
)

// What waits for each region, scraped from /metrics with the admin's
// token: nothing at first, then CN-440100's batches to CN-330100 (the
// env's peer), then fewer after its ack. The hub receives by its own
// clock and the metrics measure ages by theirs.
func TestHubBacklogMetrics(t *testing.T) {
	e := newHubEnv(t)
	const hz, gz = "CN-330100", "CN-440100"
	t1 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	hubNow, scrapeAt := t1, t1
	e.hub.Now = func() time.Time { return hubNow }
	e.srv.Now = func() time.Time { return scrapeAt }
	k := hubtest.NewKey(t, healthcode.AlgEdDSA)
	sender, err := e.hub.AddRegion(context.Background(), &healthcode.Region{ID: gz, Name: "广州市", Mode: healthcode.ModeLocal},
		[]*healthcode.RegionKey{{Alg: k.Alg, PublicKey: k.Public}})
	if err != nil {
		t.Fatal(err)
	}
	scrape := func(step string, want ...string) {
		t.Helper()
		w := e.do("GET", "/metrics", "", bearer(e.admin)...)
		if w.Code != 200 {
			t.Fatalf("%s: GET /metrics: %d %s", step, w.Code, w.Body)
		}
		for _, line := range want {
			if !strings.Contains(w.Body.String(), "\n"+line+"\n") {
				t.Errorf("%s: metrics lack %s", step, line)
			}
		}
	}
	scrape("no batches",
		`healthcode_hub_waiting_batches{region="CN-330100"} 0`,
		`healthcode_hub_oldest_waiting_seconds{region="CN-330100"} 0`,
		`healthcode_hub_last_ack_age_seconds{region="CN-330100"} +Inf`,
		`healthcode_hub_waiting_batches{region="CN-440100"} 0`,
		`healthcode_hub_last_ack_age_seconds{region="CN-440100"} +Inf`)

	post := func(at time.Time) {
		t.Helper()
		hubNow = at
		if w := e.do("POST", "/hub/v1/batches", putBody(hubtest.Sign(t, k, hubtest.NewBatch(gz, hz, at, 1))), bearer(sender)...); w.Code != 201 {
			t.Fatalf("POST /hub/v1/batches: %d %s", w.Code, w.Body)
		}
	}
	post(t1)
	post(t1.Add(10 * time.Second))
	scrapeAt = t1.Add(time.Minute)
	scrape("two waiting",
		`healthcode_hub_waiting_batches{region="CN-330100"} 2`,
		`healthcode_hub_oldest_waiting_seconds{region="CN-330100"} 60`,
		`healthcode_hub_last_ack_age_seconds{region="CN-330100"} +Inf`,
		`healthcode_hub_waiting_batches{region="CN-440100"} 0`,
		`healthcode_hub_oldest_waiting_seconds{region="CN-440100"} 0`)

	hubNow = t1.Add(30 * time.Second)
	if w := e.do("POST", "/hub/v1/batches/ack", `{"through":1}`, bearer(e.peer)...); w.Code != 200 {
		t.Fatalf("ack: %d %s", w.Code, w.Body)
	}
	scrape("one acked",
		`healthcode_hub_waiting_batches{region="CN-330100"} 1`,
		`healthcode_hub_oldest_waiting_seconds{region="CN-330100"} 50`,
		`healthcode_hub_last_ack_age_seconds{region="CN-330100"} 30`,
		`healthcode_hub_last_ack_age_seconds{region="CN-440100"} +Inf`)

	hubNow = t1.Add(40 * time.Second)
	if w := e.do("POST", "/hub/v1/batches/ack", `{"through":2}`, bearer(e.peer)...); w.Code != 200 {
		t.Fatalf("ack: %d %s", w.Code, w.Body)
	}
	scrape("all acked",
		`healthcode_hub_waiting_batches{region="CN-330100"} 0`,
		`healthcode_hub_oldest_waiting_seconds{region="CN-330100"} 0`,
		`healthcode_hub_last_ack_age_seconds{region="CN-330100"} 20`)
}

// failingBacklogs is the hub with a store that cannot read backlogs.
type failingBacklogs struct{ *hub.Registry }

func (failingBacklogs) BatchBacklogs(context.Context) ([]healthcode.BatchBacklog, error) {
	return nil, errors.New("database is down")
}

// A store error leaves the backlog series out and is logged; the scrape
// still answers with the other metrics.
func TestHubBacklogMetricsStoreError(t *testing.T) {
	e := newHubEnv(t)
	var log bytes.Buffer
	e.srv.Hub, e.srv.Logger = failingBacklogs{e.hub}, slog.New(slog.NewTextHandler(&log, nil))
	w := e.do("GET", "/metrics", "", bearer(e.admin)...)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `healthcode_hub_batch_posts_total{result="accepted"} 0`) {
		t.Fatalf("GET /metrics: %d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "healthcode_hub_waiting_batches") {
		t.Errorf("backlog series served without a backlog read:\n%s", w.Body)
	}
	if !strings.Contains(log.String(), "database is down") {
		t.Errorf("the store's error is not logged: %q", log.String())
	}
}

// A store slower than the timeout does not hold the scrape.
func TestHubBacklogMetricsTimeout(t *testing.T) {
	var log bytes.Buffer
	c := newHubBacklogCollector(func(ctx context.Context) ([]healthcode.BatchBacklog, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}, time.Now, slog.New(slog.NewTextHandler(&log, nil)))
	c.timeout = 20 * time.Millisecond
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	done := make(chan error, 1)
	go func() {
		_, err := reg.Gather()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the scrape waits on the store past its timeout")
	}
	if !strings.Contains(log.String(), "deadline exceeded") {
		t.Errorf("the timeout is not logged: %q", log.String())
	}
}
