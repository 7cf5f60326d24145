package hub_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a hub over a fresh store of the backend under test.
type env struct {
	db    *sqlstore.DB
	clock *clock
	hub   *hub.Registry
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := storetest.MustOpenDB(t)
	c := &clock{t: t0}
	g := hub.New(db)
	g.Now = c.Now
	return &env{db: db, clock: c, hub: g}
}

// addRegion registers id (mode local) with keys and returns its peer token.
func (e *env) addRegion(t *testing.T, id string, keys ...*healthcode.RegionKey) string {
	t.Helper()
	token, err := e.hub.AddRegion(ctx, &healthcode.Region{ID: id, Name: "region " + id, Mode: healthcode.ModeLocal}, keys)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func peer(region string) *healthcode.Caller {
	return &healthcode.Caller{Role: healthcode.RolePeer, Region: region}
}

var admin = &healthcode.Caller{Role: healthcode.RoleAdmin}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := healthcode.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}
