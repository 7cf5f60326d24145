package node_test

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestHubSenderDroppedBatch: a parked batch an operator dropped (healthcode
// outbox drop) leaves the parked gauge at the sender's next round, even a
// round with nothing to post, is never posted, and its records no longer
// count as unsent.
func TestHubSenderDroppedBatch(t *testing.T) {
	e := newSenderEnv(t)
	ctx := context.Background()
	e.queue(t, "CN-110100", 2)
	e.hub.failNext(http.StatusConflict)
	s := e.sender(e.db, 0)
	s.ParkAfter = 1
	if err := s.Send(ctx); err != nil {
		t.Fatal(err)
	}
	parked, err := e.db.ListOutboxBatches(ctx, true)
	if err != nil || len(parked) != 1 || parkedGauge(t, e.reg, "CN-110100") != 1 || e.unsent(t) != 2 {
		t.Fatalf("parked %d (%v), gauge %v, unsent %d", len(parked), err, parkedGauge(t, e.reg, "CN-110100"), e.unsent(t))
	}
	if _, err := e.db.DropOutboxBatches(ctx, []string{parked[0].ID}, "409: stored at the hub with other content", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if g := parkedGauge(t, e.reg, "CN-110100"); g != 1 {
		t.Fatalf("parked gauge %v before the round: the sender sets it", g)
	}
	e.clock.Add(3 * time.Hour)
	if err := s.Send(ctx); err != nil {
		t.Fatal(err)
	}
	if _, posts := e.hub.stored(); len(posts) != 1 {
		t.Errorf("posts %v: the dropped batch went again", posts)
	}
	if g := parkedGauge(t, e.reg, "CN-110100"); g != 0 {
		t.Errorf("parked gauge %v after the round that followed the drop", g)
	}
	if n := e.unsent(t); n != 0 {
		t.Errorf("unsent %d after the drop", n)
	}
}
