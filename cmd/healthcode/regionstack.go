package main

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"sync"
	"time"

	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/status"
	"github.com/prometheus/client_golang/prometheus"
)

// regionStack is what serves a region's citizens, health staff and data
// providers: the services over its store and the HTTP server over them.
// `serve` adds a node's checkpoints, venues, traces and hub connection;
// the hub runs one for each region of mode national it hosts (way 3).
type regionStack struct {
	DB        *sqlstore.DB
	Keys      *node.KeyRing
	Auth      *node.AuthService
	Citizens  *node.CitizenService
	Audit     *node.Audit
	Recompute *node.Recompute
	Imports   *node.ImportService
	Server    *hchttp.Server

	metrics *stackMetrics
	// jobs are the stack's goroutines (joinHub's, sweepAbandoned's, and
	// the loops its caller starts here: serve's schedulers of resumptions,
	// reports, purges and the colour history): they end with the ctx they
	// were given, and Wait tells when they have, before the store closes.
	jobs sync.WaitGroup
}

// stackMetrics are a region stack's Prometheus metrics, made once for a
// registry: a stack built again over the same registry (a hosted region
// whose policy changed) counts on in them, as registering twice would
// panic.
type stackMetrics struct {
	node       *node.Metrics
	audit      *node.AuditMetrics
	imports    *node.ImportMetrics
	resumption *node.ResumptionMetrics
	orgs       *node.OrgMetrics
	// Made by joinHub the first time the stack follows a hub.
	hub     *node.HubMetrics
	send    *node.HubSendMetrics
	receive *node.HubReceiveMetrics
}

func newStackMetrics(reg prometheus.Registerer) *stackMetrics {
	return &stackMetrics{node: node.NewMetrics(reg), audit: node.NewAuditMetrics(reg), imports: node.NewImportMetrics(reg),
		resumption: node.NewResumptionMetrics(reg), orgs: node.NewOrgMetrics(reg)}
}

// regionConfig is what a regionStack is built with.
type regionConfig struct {
	Region string
	Policy *status.Policy
	Alg    string // of the first signing key
	Sender node.OTPSender
	Dev    bool
	// IssuedMemory is how many issued codes are remembered for the
	// region's own checkpoints; 0 remembers none (no checkpoints).
	IssuedMemory int
	Logger       *slog.Logger
	Registry     prometheus.Registerer
	// Metrics, when set, are those of an earlier stack over the same
	// Registry; when nil they are made on Registry.
	Metrics     *stackMetrics
	HTTPMetrics *hchttp.Metrics
}

func newRegionStack(ctx context.Context, db *sqlstore.DB, box *secret.Box, cfg regionConfig) (*regionStack, error) {
	sm := cfg.Metrics
	if sm == nil {
		sm = newStackMetrics(cfg.Registry)
	}
	metrics := sm.node
	keys := node.NewKeyRing(db)
	if err := keys.Ensure(ctx, cfg.Alg); err != nil {
		return nil, err
	}
	auth := node.NewAuthService(db, box, cfg.Sender)
	auth.Dev, auth.Logger = cfg.Dev, cfg.Logger
	var issued *node.IssuedCodes
	if cfg.IssuedMemory > 0 {
		issued = node.NewIssuedCodes(cfg.IssuedMemory)
	}
	citizens := &node.CitizenService{Store: db, Policy: cfg.Policy, Keys: keys, Region: cfg.Region,
		Now: time.Now, Logger: cfg.Logger, Metrics: metrics, Issued: issued}
	audit := &node.Audit{Store: db, Now: time.Now, Logger: cfg.Logger, Metrics: sm.audit}
	recompute := &node.Recompute{Store: db, Citizens: citizens}
	imports := &node.ImportService{Store: db, PersonKey: box.PersonKey, Recomputer: recompute, Region: cfg.Region,
		Now: time.Now, Logger: cfg.Logger, Metrics: sm.imports}

	srv := hchttp.NewServer()
	srv.Auth, srv.Citizens, srv.Audit = auth, citizens, audit
	srv.Persons = &node.PersonReads{Store: db, Citizens: citizens, Audit: audit}
	srv.Appeals = &node.AppealService{Store: db, Citizens: citizens, Audit: audit, Now: time.Now}
	srv.Jobs, srv.RiskAreas, srv.Imports = recompute, recompute, imports
	srv.HealthChecks = &node.HealthChecks{Store: db, Citizens: citizens, Audit: audit, Now: time.Now}
	srv.Resumptions = &node.ResumptionService{Store: db, Region: cfg.Region, Now: time.Now, Audit: audit, Logger: cfg.Logger,
		Metrics: sm.resumption}
	srv.Orgs = &node.OrgService{Store: db, Box: box, Audit: audit, Now: time.Now, Logger: cfg.Logger,
		Metrics: sm.orgs}
	srv.Region, srv.Ready = cfg.Region, db.Ping
	srv.Logger, srv.Metrics, srv.Dev = cfg.Logger, cfg.HTTPMetrics, cfg.Dev
	return &regionStack{DB: db, Keys: keys, Auth: auth, Citizens: citizens, Audit: audit, Recompute: recompute,
		Imports: imports, Server: srv, metrics: sm}, nil
}

// sweepAbandoned fails, at once and then every node.DefaultAbandonSweep
// until ctx ends (as one of st's jobs), the jobs and traces of the
// region's store that a process left queued or running when it died.
func (st *regionStack) sweepAbandoned(ctx context.Context, logger *slog.Logger) {
	sweep := &node.AbandonedSweep{Store: st.DB, Now: time.Now, Logger: logger, Metrics: st.metrics.node}
	st.jobs.Go(func() { sweep.Run(ctx, node.DefaultAbandonSweep) })
}

// hubLink is how a region reaches the hub it follows.
type hubLink struct {
	URL, Token string
	HubKey     ed25519.PublicKey
	DataDir    string // where the last good trust list is kept
	Refresh    time.Duration
	Exchange   time.Duration
	// OutboxRetention is how long sent batches are kept; 0: the default.
	OutboxRetention time.Duration
	// ParkAfter is the refusals after which a batch is parked; 0: the
	// default.
	ParkAfter int
}

// joinHub follows the hub: publishes the region's keys and keeps its trust
// list (loaded from the cache first, so visitors verify while the hub is
// down), and runs way 1: records about other regions' people go out
// through the hub, and theirs about this region's people come in. Its
// goroutines run until ctx ends, as st's jobs.
func (st *regionStack) joinHub(ctx context.Context, l hubLink, codeLifetime time.Duration, reg prometheus.Registerer, logger *slog.Logger) *node.HubClient {
	region := st.Citizens.Region
	if m := st.metrics; m.hub == nil {
		m.hub, m.send, m.receive = node.NewHubMetrics(reg), node.NewHubSendMetrics(reg), node.NewHubReceiveMetrics(reg)
	}
	hub := &node.HubClient{URL: l.URL, Token: l.Token, HubKey: l.HubKey, Region: region, Keys: st.Keys,
		CodeLifetime: codeLifetime, DataDir: l.DataDir, HTTP: &http.Client{Timeout: node.DefaultHubTimeout},
		Now: time.Now, Logger: logger, Metrics: st.metrics.hub}
	if err := hub.LoadCache(); err != nil {
		logger.Warn("hub: cached trust list not used", "err", err)
	}
	st.jobs.Go(func() { hub.Run(ctx, l.Refresh) })
	sender := &node.HubSender{Client: hub, Store: st.DB, Retention: l.OutboxRetention, ParkAfter: l.ParkAfter, Now: time.Now, Logger: logger,
		Metrics: st.metrics.send}
	receiver := &node.HubReceiver{Client: hub, Store: st.DB, Import: st.Imports, Region: region,
		Now: time.Now, Logger: logger, Metrics: st.metrics.receive}
	st.jobs.Go(func() { sender.Run(ctx, l.Exchange) })
	st.jobs.Go(func() { receiver.Run(ctx, l.Exchange) })
	return hub
}
