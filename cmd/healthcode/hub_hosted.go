package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/postgres"
	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/sqlite"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/prometheus/client_golang/prometheus"
)

// hostedRegions runs, inside the hub, a region stack for each region of
// mode national (way 3, docs/federation.md "Way 3"): a store of the
// region's own, its citizens' API under /regions/{id}/, codes issued by CN
// naming the region as home and judged by its policy, and way 1 with the
// hub over loopback, as a node of the region would.
type hostedRegions struct {
	Hub     *hub.Registry
	HubAuth healthcode.AuthService // the hub's tokens: a region's peer token pushes its data
	Box     *secret.Box
	// DataDir is the hub's: a region's SQLite store and trust list cache
	// are kept in DataDir/regions/{id}.
	DataDir string
	// DBURL, when set, is the hub's PostgreSQL database: a region's store
	// is a schema of its own there.
	DBURL    string
	Sender   node.OTPSender
	Dev      bool
	Logger   *slog.Logger
	Registry prometheus.Registerer
	// HubURL and HubKey are how the regions reach this hub: its address on
	// the loopback interface and its trust-list key.
	HubURL     string
	HubKey     ed25519.PublicKey
	Exchange   time.Duration
	Refresh    time.Duration
	SweepEvery time.Duration

	mu      sync.RWMutex
	regions map[string]*hostedRegion
}

// hostedRegion is one region the hub hosts.
type hostedRegion struct {
	policy  string // the text it was started with
	db      *sqlstore.DB
	handler http.Handler
}

// DefaultHostedSync is how often the hub looks for newly registered
// regions of mode national.
const DefaultHostedSync = 30 * time.Second

// Run looks for regions of mode national to host every interval, until
// ctx ends.
func (h *hostedRegions) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := h.Sync(ctx); err != nil && ctx.Err() == nil {
			h.Logger.WarnContext(ctx, "hosted regions: not brought up to date", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sync starts hosting each region of mode national not hosted yet. A
// region's policy is read when its hosting starts: a change made since is
// logged, and applies when the hub starts again.
func (h *hostedRegions) Sync(ctx context.Context) error {
	entries, err := h.Hub.Regions(ctx)
	if err != nil {
		return err
	}
	var failed []string
	for _, e := range entries {
		r := e.Region
		if r.Mode != healthcode.ModeNational || r.ID == healthcode.NationalRegion {
			continue
		}
		if held := h.get(r.ID); held != nil {
			if held.policy != r.Policy {
				h.Logger.WarnContext(ctx, "hosted region: its policy changed; restart the hub to judge by it", "region", r.ID)
			}
			continue
		}
		if err := h.start(ctx, r); err != nil {
			h.Logger.ErrorContext(ctx, "hosted region: cannot start", "region", r.ID, "err", err)
			failed = append(failed, r.ID)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("regions not hosted: %s", strings.Join(failed, ", "))
	}
	return nil
}

func (h *hostedRegions) get(id string) *hostedRegion {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.regions[id]
}

// start opens r's store, builds its stack and joins it to the hub.
func (h *hostedRegions) start(ctx context.Context, r *healthcode.Region) error {
	policy, err := hub.RegionPolicy(r)
	if err != nil {
		return err
	}
	dir := filepath.Join(h.DataDir, "regions", r.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	db, err := h.openStore(ctx, r.ID, dir)
	if err != nil {
		return err
	}
	logger := h.Logger.With("region", r.ID)
	reg := prometheus.WrapRegistererWith(prometheus.Labels{"region": r.ID}, prometheus.WrapRegistererWithPrefix("hosted_", h.Registry))
	stack, err := newRegionStack(ctx, db, h.Box, regionConfig{Region: r.ID, Policy: policy, Alg: healthcode.AlgEdDSA,
		Sender: h.Sender, Dev: h.Dev, Logger: logger, Registry: reg, HTTPMetrics: hchttp.NewMetrics(nil)})
	if err != nil {
		db.Close()
		return err
	}
	// Codes are national codes: CN signs them, naming the region as home.
	stack.Citizens.NationalSigner = h.Hub.NationalSigner
	stack.Server.Auth = hostedAuth{AuthService: stack.Auth, hub: h.HubAuth, region: r.ID}
	token, err := h.loopbackToken(ctx, r.ID)
	if err != nil {
		db.Close()
		return err
	}
	// Its key signs the batches it sends (way 1); the hub lists it as the
	// region's, and signs its codes with CN's.
	stack.joinHub(ctx, hubLink{URL: h.HubURL, Token: token, HubKey: h.HubKey, DataDir: dir,
		Refresh: h.Refresh, Exchange: h.Exchange}, policy.CodeLifetime(), reg, logger)
	go stack.Recompute.RunScheduler(ctx, h.SweepEvery)

	hr := &hostedRegion{policy: r.Policy, db: db, handler: stack.Server.Handler()}
	h.mu.Lock()
	if h.regions == nil {
		h.regions = map[string]*hostedRegion{}
	}
	h.regions[r.ID] = hr
	h.mu.Unlock()
	logger.InfoContext(ctx, "hosting region", "backend", db.Backend(), "policy", policy.Version, "api", "/regions/"+r.ID+"/api/v1/")
	return nil
}

// openStore opens region id's store: SQLite in dir, or a schema of the
// hub's PostgreSQL database named after the hub's own and the region.
func (h *hostedRegions) openStore(ctx context.Context, id, dir string) (*sqlstore.DB, error) {
	if h.DBURL == "" {
		return sqlite.Open(ctx, dir, h.Box)
	}
	return postgres.OpenSchema(ctx, h.DBURL, hostedSchema(h.DBURL, id), h.Box)
}

// hostedSchema is region id's schema beside the hub's tables: the hub's
// search_path (its own schema, when it has one) or "hub", then the region,
// e.g. hub_cn_650100.
func hostedSchema(dsn, id string) string {
	base := "hub"
	if u, err := url.Parse(dsn); err == nil {
		if sp := u.Query().Get("search_path"); sp != "" && !strings.ContainsAny(sp, ", \"") {
			base = strings.ToLower(sp)
		}
	}
	return base + "_" + strings.ToLower(strings.ReplaceAll(id, "-", "_"))
}

// loopbackToken makes the peer token region id's stack reaches the hub
// with, revoking the one an earlier run of the hub made: it lives in this
// process's memory only.
func (h *hostedRegions) loopbackToken(ctx context.Context, id string) (string, error) {
	const name = "hosted by the hub"
	held, err := h.Hub.Store.ListStaffTokens(ctx)
	if err != nil {
		return "", err
	}
	now := time.Now()
	for _, t := range held {
		if t.Role == healthcode.RolePeer && t.Region == id && t.Name == name && t.RevokedAt.IsZero() {
			if err := h.Hub.Store.RevokeStaffToken(ctx, t.ID, now); err != nil {
				return "", err
			}
		}
	}
	token, _, err := node.CreateStaffToken(ctx, h.Hub.Store, node.StaffTokenRequest{Role: healthcode.RolePeer, Name: name, Region: id}, now)
	return token, err
}

// Handler returns region id's API handler, nil when it is not hosted.
func (h *hostedRegions) Handler(id string) http.Handler {
	if hr := h.get(id); hr != nil {
		return hr.handler
	}
	return nil
}

// Close closes the hosted regions' stores, once the server has answered
// its last request.
func (h *hostedRegions) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, hr := range h.regions {
		hr.db.Close()
	}
	h.regions = nil
}

// hostedAuth is a hosted region's own sign-in and sessions, and also takes
// the region's peer token at the hub as its health authority's: with it
// the region pushes its data (way 3) and works its appeals.
type hostedAuth struct {
	healthcode.AuthService
	hub    healthcode.AuthService
	region string
}

func (a hostedAuth) Authenticate(ctx context.Context, token string) (*healthcode.Caller, error) {
	if c, err := a.hub.Authenticate(ctx, token); err == nil && c != nil && c.Role == healthcode.RolePeer && c.Region == a.region {
		return &healthcode.Caller{Role: healthcode.RoleHealth, TokenID: c.TokenID, Name: "peer " + c.Name, Region: c.Region}, nil
	}
	return a.AuthService.Authenticate(ctx, token)
}

// loopbackURL is the URL the hub reaches itself at on addr, where it
// listens: 127.0.0.1 for any address.
func loopbackURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// hostedOTPSender is how hosted regions' people get their one-time
// passwords: the SMS gateway, or the log with --dev; without either they
// are refused, naming the flags.
func hostedOTPSender(webhook, token string, dev bool, logger *slog.Logger) node.OTPSender {
	switch {
	case webhook != "":
		return node.WebhookSender{URL: webhook, Token: token}
	case dev:
		logger.Warn("DEVELOPMENT MODE: hosted regions' one-time passwords are returned in responses (dev_otp); never run a public hub with --dev")
		return node.LogSender{Logger: logger}
	}
	return noOTPSender{}
}

type noOTPSender struct{}

func (noOTPSender) SendOTP(ctx context.Context, phone, code string, expiresAt time.Time) error {
	return healthcode.Errorf(healthcode.EUNAVAILABLE, "this hub sends no one-time passwords: start it with --otp-webhook (or --dev to try it out)")
}
