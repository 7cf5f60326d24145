package http

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
)

// HubServer serves the hub's API (docs/federation.md). It runs on the node
// server's plumbing, a Server of its own holding only what the hub routes
// use: bearer tokens, JSON errors, the request log, metrics and shutdown.
// Set the exported fields, then call Handler, Serve or ListenAndServe.
type HubServer struct {
	Hub healthcode.HubService
	// National issues national codes; nil: POST /hub/v1/exchange is 503.
	National healthcode.NationalService
	// Resolver resolves codes for the nodes (way 2); nil: POST
	// /hub/v1/resolve is 503.
	Resolver healthcode.ResolveService
	// Hosted returns the API handler of a region of mode national the hub
	// hosts (way 3), served under /regions/{id}/; nil when it hosts none.
	Hosted func(id string) http.Handler
	// Auth resolves peer and admin tokens (Authenticate only is called).
	Auth healthcode.AuthService
	// Ready reports whether the hub can serve, e.g. by pinging the database.
	Ready   func(ctx context.Context) error
	Logger  *slog.Logger
	Metrics *Metrics
	// TrustProxy takes the client address exchanges are limited by from
	// X-Forwarded-For's first entry, as on a node.
	TrustProxy bool
	// Now is the clock the backlog metrics measure ages by; nil: time.Now.
	Now func() time.Time

	srv             Server
	batchMetrics    *hubBatchMetrics
	exchangeMetrics *hubExchangeMetrics
	resolveMetrics  *hubResolveMetrics
}

// NewHubServer returns a HubServer with a discarding logger and fresh metrics.
func NewHubServer() *HubServer {
	return &HubServer{Logger: slog.New(slog.DiscardHandler), Metrics: NewMetrics(nil)}
}

// hubRoutes returns the hub's route table.
func (h *HubServer) hubRoutes() []route {
	s := &h.srv
	return []route{
		{"GET /healthz", http.HandlerFunc(s.handleHealthz)},
		// Scrape with a hub admin token, as on a node.
		{"GET /metrics", s.requireRole(healthcode.RoleAdmin)(s.Metrics.ServeHTTP)},
		{"GET /hub/v1/trust", http.HandlerFunc(h.handleHubTrust)},
		{"GET /hub/v1/key", http.HandlerFunc(h.handleHubKey)},
		// The service checks that a peer acts for {id}.
		{"PUT /hub/v1/regions/{id}/keys", s.requireRole(healthcode.RolePeer, healthcode.RoleAdmin)(h.handleHubKeysPut)},
		// Batches are a region's own: its peer token sends them, and takes
		// and acks those to it; the service checks which region.
		{"POST /hub/v1/batches", s.requireRole(healthcode.RolePeer)(h.handleHubBatchPost)},
		{"GET /hub/v1/batches", s.requireRole(healthcode.RolePeer)(h.handleHubBatchList)},
		{"POST /hub/v1/batches/ack", s.requireRole(healthcode.RolePeer)(h.handleHubBatchAck)},
		// Any region's peer token resolves a code (way 2).
		{"POST /hub/v1/resolve", s.requireRole(healthcode.RolePeer)(h.handleHubResolve)},
		// No token: a citizen's app presents a fresh local code, which is
		// the credential; the service limits by address and person.
		{"POST /hub/v1/exchange", http.HandlerFunc(h.handleHubExchange)},
		// Way 3: each hosted region's API checks its own callers.
		{"/regions/{id}/", http.HandlerFunc(h.handleHosted)},
	}
}

// Handler returns the hub's handler, building the routes on first use.
func (h *HubServer) Handler() http.Handler {
	s := &h.srv
	// The inner Server builds its handler once; filling it here first
	// means its own Handler (and so Serve) never builds the node's routes.
	s.once.Do(func() {
		s.Auth, s.Ready, s.Logger, s.Metrics, s.TrustProxy = h.Auth, h.Ready, h.Logger, h.Metrics, h.TrustProxy
		if s.Logger == nil {
			s.Logger = slog.New(slog.DiscardHandler)
		}
		if s.Metrics == nil {
			s.Metrics = NewMetrics(nil)
		}
		h.batchMetrics = newHubBatchMetrics(s.Metrics.Registry)
		h.exchangeMetrics = newHubExchangeMetrics(s.Metrics.Registry)
		h.resolveMetrics = newHubResolveMetrics(s.Metrics.Registry)
		// What waits for each region (way 1), read at each scrape.
		if h.Hub != nil {
			now := h.Now
			if now == nil {
				now = time.Now
			}
			s.Metrics.Registry.MustRegister(newHubBacklogCollector(h.Hub.BatchBacklogs, now, s.Logger))
		}
		s.csrf = http.NewCrossOriginProtection()
		s.mux = http.NewServeMux()
		for _, rt := range h.hubRoutes() {
			s.mux.Handle(rt.pattern, rt.handler)
			s.Metrics.addRoute(rt.pattern)
		}
		s.handler = http.HandlerFunc(s.serveRoot)
	})
	return s.handler
}

// ListenAndServe listens on addr and serves until ctx is done, then shuts
// down gracefully.
func (h *HubServer) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return h.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done, as Server.Serve.
func (h *HubServer) Serve(ctx context.Context, ln net.Listener) error {
	h.Handler()
	return h.srv.Serve(ctx, ln)
}
