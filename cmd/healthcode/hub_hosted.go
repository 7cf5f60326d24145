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
	"github.com/healthcode/healthcode/status"
	"github.com/healthcode/healthcode/web"
	"github.com/prometheus/client_golang/prometheus"
)

// hostedRegions runs, inside the hub, a region stack for each region of
// mode national (way 3, docs/federation.md "Way 3"): a store of the
// region's own, its citizens' API under /regions/{id}/api/v1/ and their
// web pages under /regions/{id}/ (package web, citizen pages only, with
// the region's name in the header), codes issued by CN
// naming the region as home and judged by its policy, and way 1 with the
// hub over loopback, as a node of the region would. When a region's policy
// changes, Sync builds its stack again over the same store and swaps it in
// while the hub serves.
type hostedRegions struct {
	Hub     *hub.Registry
	HubAuth healthcode.AuthService // the hub's tokens: a region's peer token pushes its data
	Box     *secret.Box
	// DataDir is the hub's: a region's SQLite store and trust list cache
	// are kept in DataDir/regions/{id}.
	DataDir string
	// DBURL, when set, is the hub's PostgreSQL database: a region's store
	// is a schema of its own there.
	DBURL  string
	Sender node.OTPSender
	Dev    bool
	// SecureCookies marks the hosted regions' pages' cookies Secure.
	SecureCookies bool
	Logger        *slog.Logger
	Registry      prometheus.Registerer
	Metrics       *hostedMetrics
	// HubURL and HubKey are how the regions reach this hub: its address on
	// the loopback interface and its trust-list key.
	HubURL     string
	HubKey     ed25519.PublicKey
	Exchange   time.Duration
	Refresh    time.Duration
	SweepEvery time.Duration

	syncing sync.Mutex // one Sync at a time
	mu      sync.RWMutex
	regions map[string]*hostedRegion
	// stackMetrics are each region's, kept across its stacks and across
	// starts that failed: they are registered once.
	stackMetrics map[string]*stackMetrics
}

// hostedRegion is one region the hub hosts: its store, and the stack that
// serves it now.
type hostedRegion struct {
	db     *sqlstore.DB
	link   hubLink // with the loopback token made when its hosting started
	reg    prometheus.Registerer
	logger *slog.Logger

	mu    sync.RWMutex
	stack *hostedStack
}

// hostedStack is one build of a region's stack, for one policy.
type hostedStack struct {
	text    string // the stored policy text it was built with
	policy  *status.Policy
	st      *regionStack
	handler http.Handler
	// inflight counts the requests handler serves: a stack swapped out
	// retires once they are done.
	inflight sync.WaitGroup
	stop     context.CancelFunc // ends st's jobs
	// settled is closed once the stack before it has retired and every
	// status was marked due for this one's policy (at once for the first):
	// a further change waits for it.
	settled chan struct{}
	// prev is the stack it took over from until that one's recompute jobs
	// are over (set by run, cleared by settle; read once st.jobs ended):
	// closing the region interrupts them too.
	prev *hostedStack
}

// DefaultHostedSync is how often the hub looks for newly registered
// regions of mode national and for changed policies of those it hosts.
const DefaultHostedSync = 30 * time.Second

// Run looks for regions of mode national to host, and for changed
// policies, every interval, until ctx ends.
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

// Sync starts hosting each region of mode national not hosted yet, and
// applies the stored policy of each hosted region whose policy changed
// (applyPolicy). Stacks live until ctx ends or Close.
func (h *hostedRegions) Sync(ctx context.Context) error {
	h.syncing.Lock()
	defer h.syncing.Unlock()
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
			if err := h.applyPolicy(ctx, held, r); err != nil {
				failed = append(failed, r.ID)
			}
			continue
		}
		if err := h.start(ctx, r); err != nil {
			h.Logger.ErrorContext(ctx, "hosted region: cannot start", "region", r.ID, "err", err)
			failed = append(failed, r.ID)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("regions not hosted, or not on their stored policy: %s", strings.Join(failed, ", "))
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
		h.Metrics.policy(r.ID, "rejected")
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
	hr := &hostedRegion{db: db, logger: logger,
		reg: prometheus.WrapRegistererWith(prometheus.Labels{"region": r.ID}, prometheus.WrapRegistererWithPrefix("hosted_", h.Registry))}
	hs, err := h.build(ctx, r, hr, policy)
	if err != nil {
		db.Close()
		return err
	}
	token, err := h.loopbackToken(ctx, r.ID)
	if err != nil {
		db.Close()
		return err
	}
	// Its key signs the batches it sends (way 1); the hub lists it as the
	// region's, and signs its codes with CN's.
	hr.link = hubLink{URL: h.HubURL, Token: token, HubKey: h.HubKey, DataDir: dir, Refresh: h.Refresh, Exchange: h.Exchange}
	close(hs.settled)
	hr.stack = hs
	h.run(ctx, hr, hs, nil)

	h.mu.Lock()
	if h.regions == nil {
		h.regions = map[string]*hostedRegion{}
	}
	h.regions[r.ID] = hr
	h.mu.Unlock()
	h.Metrics.hosting(r.ID)
	logger.InfoContext(ctx, "hosting region", "backend", db.Backend(), "policy", policy.Version, "api", "/regions/"+r.ID+"/api/v1/",
		"pages", "/regions/"+r.ID+"/")
	if !sendsOTP(h.Sender) {
		logger.WarnContext(ctx, "hosted region: its people cannot sign in: this hub sends no one-time passwords (sign-in answers 503); start it with --otp-webhook URL, or --dev to try it out")
	}
	return nil
}

// build makes a stack of region r over hr's store, judging by policy
// (r.Policy loaded); its jobs start with run.
func (h *hostedRegions) build(ctx context.Context, r *healthcode.Region, hr *hostedRegion, policy *status.Policy) (*hostedStack, error) {
	id, text := r.ID, r.Policy
	h.mu.Lock()
	if h.stackMetrics == nil {
		h.stackMetrics = map[string]*stackMetrics{}
	}
	sm := h.stackMetrics[id]
	if sm == nil {
		sm = newStackMetrics(hr.reg)
		h.stackMetrics[id] = sm
	}
	h.mu.Unlock()
	st, err := newRegionStack(ctx, hr.db, h.Box, regionConfig{Region: id, Policy: policy, Alg: healthcode.AlgEdDSA,
		Sender: h.Sender, Dev: h.Dev, Logger: hr.logger, Registry: hr.reg, Metrics: sm, HTTPMetrics: hchttp.NewMetrics(nil)})
	if err != nil {
		return nil, err
	}
	// Codes are national codes: CN signs them, naming the region as home.
	st.Citizens.NationalSigner = h.Hub.NationalSigner
	st.Server.Auth = hostedAuth{AuthService: st.Auth, hub: h.HubAuth, region: id}
	// The citizen's pages, under the region's prefix as its API is: every
	// link, asset, redirect and cookie stays under it, so two hosted
	// regions' sessions never meet. Signed in by the region's own
	// sessions only (a peer token is no citizen's).
	base := "/regions/" + id
	st.Server.CookiePath, st.Server.SecureCookies = base+"/", h.SecureCookies
	st.Server.Pages = &web.Handler{Auth: st.Auth, Citizens: st.Citizens, Appeals: st.Server.Appeals, Audit: st.Audit,
		Sessions: st.Server, Base: base, RegionName: r.Name, CitizenOnly: true,
		Dev: h.Dev, SecureCookies: h.SecureCookies, Logger: hr.logger}
	return &hostedStack{text: text, policy: policy, st: st, handler: st.Server.Handler(), settled: make(chan struct{})}, nil
}

// run starts hs's jobs, which end with ctx or hs.stop: way 1 with the hub,
// the scheduler, the sweep of abandoned jobs, and when hs takes over from
// prev, settling.
func (h *hostedRegions) run(ctx context.Context, hr *hostedRegion, hs, prev *hostedStack) {
	jobs, stop := context.WithCancel(ctx)
	hs.stop, hs.prev = stop, prev
	hs.st.joinHub(jobs, hr.link, hs.policy.CodeLifetime(), hr.reg, hr.logger)
	hs.st.jobs.Go(func() { hs.st.Recompute.RunScheduler(jobs, h.SweepEvery) })
	// The region's recompute jobs of a hub that died are failed.
	hs.st.sweepAbandoned(jobs, hr.logger)
	if prev != nil {
		hs.st.jobs.Go(func() { settle(jobs, hr.logger, hs, prev) })
	}
}

// applyPolicy makes a hosted region judge by its stored policy, r.Policy,
// when it is not the one its stack was built with: it builds a stack of
// the new policy over the same store and swaps it in (handler), so
// requests in flight end on the old stack and new ones reach the new one;
// the old stack's jobs end before the new one's start, and the new one
// settles. A policy that does not load, or a stack that cannot be built,
// leaves the region on the stack it has, logged and counted
// (healthcode_hub_hosted_policy_changes_total), and is tried again at the
// next Sync; so is a change that comes while the last has not settled.
func (h *hostedRegions) applyPolicy(ctx context.Context, hr *hostedRegion, r *healthcode.Region) error {
	cur := hr.current()
	if cur.text == r.Policy {
		return nil
	}
	select {
	case <-cur.settled:
	default:
		hr.logger.InfoContext(ctx, "hosted region: its policy changed again; applied once the last change has settled", "policy", cur.policy.Version)
		return nil
	}
	policy, err := hub.RegionPolicy(r)
	if err != nil {
		h.Metrics.policy(r.ID, "rejected")
		hr.logger.ErrorContext(ctx, "hosted region: its new policy does not load; it is judged by the one it has", "policy", cur.policy.Version, "err", err)
		return err
	}
	next, err := h.build(ctx, r, hr, policy)
	if err != nil {
		h.Metrics.policy(r.ID, "failed")
		hr.logger.ErrorContext(ctx, "hosted region: no stack for its new policy; it is judged by the one it has", "policy", cur.policy.Version, "new_policy", policy.Version, "err", err)
		return err
	}
	hr.mu.Lock()
	hr.stack = next
	hr.mu.Unlock()
	// Way 1 and the scheduler of the old stack end before the new one's
	// begin: two receivers would take the same batches.
	cur.stop()
	cur.st.jobs.Wait()
	h.run(ctx, hr, next, cur)
	h.Metrics.policy(r.ID, "applied")
	hr.logger.InfoContext(ctx, "hosted region: judged by its new policy", "old_policy", cur.policy.Version, "new_policy", policy.Version)
	if cur.policy.Version == policy.Version {
		hr.logger.WarnContext(ctx, "hosted region: its policy changed but kept its version; statuses tell the two apart only by their time of evaluation",
			"policy", policy.Version)
	}
	return nil
}

// settle retires prev once hs has taken over: when prev's last request and
// recompute jobs are done (so nothing judges by prev's policy any more), it
// marks every status due and starts a recompute through hs, which judges
// each by hs's policy. A read judges a status anew meanwhile, its policy
// version differing. settle ends early with ctx.
func settle(ctx context.Context, logger *slog.Logger, hs, prev *hostedStack) {
	defer close(hs.settled)
	served := make(chan struct{})
	go func() { // ends with prev's last request, ctx or not
		prev.inflight.Wait()
		close(served)
	}()
	select {
	case <-served:
	case <-ctx.Done():
		return
	}
	if prev.st.Recompute.Wait(ctx) != nil {
		return
	}
	hs.prev = nil // retired: nothing of it runs, and it may be collected
	if _, _, err := hs.st.Recompute.Rejudge(ctx, "policy "+hs.policy.Version); err != nil && ctx.Err() == nil {
		logger.ErrorContext(ctx, "hosted region: statuses not judged again by its new policy; each is when read", "policy", hs.policy.Version, "err", err)
	}
}

func (hr *hostedRegion) current() *hostedStack {
	hr.mu.RLock()
	defer hr.mu.RUnlock()
	return hr.stack
}

// ServeHTTP serves a request with the region's stack of the moment, to the
// end, even when another is swapped in meanwhile.
func (hr *hostedRegion) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hr.mu.RLock()
	hs := hr.stack
	hs.inflight.Add(1) // under the lock: the swap's retiring waits for it
	hr.mu.RUnlock()
	defer hs.inflight.Done()
	hs.handler.ServeHTTP(w, r)
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
		return hr
	}
	return nil
}

// Close ends the hosted regions' jobs and closes their stores, once the
// server has answered its last request. Their recompute jobs are
// interrupted, within stopTimeout for all regions together, as a node's
// are when it stops (stopJobs).
func (h *hostedRegions) Close() {
	h.syncing.Lock()
	defer h.syncing.Unlock()
	h.mu.Lock()
	regions := h.regions
	h.regions = nil
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, hr := range regions {
		wg.Go(func() { hr.close(ctx) })
	}
	wg.Wait()
}

// close ends the region's jobs: way 1 and the scheduler first (the last
// batches may start a recompute), then the recompute jobs of its stack and
// of the one before, while that one's have not ended; then its store.
func (hr *hostedRegion) close(ctx context.Context) {
	hs := hr.current()
	hs.stop()
	hs.st.jobs.Wait()
	recomputes := []interface{ Close(context.Context) error }{hs.st.Recompute}
	if hs.prev != nil {
		recomputes = append(recomputes, hs.prev.st.Recompute)
	}
	if err := closeJobs(ctx, recomputes...); err != nil {
		hr.logger.WarnContext(ctx, "hosted region: recompute jobs still running as its store closes; the statuses they leave due are recomputed after the restart",
			"waited", stopTimeout, "err", err)
	}
	hr.db.Close()
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
// are refused, naming the flags (noOTPSender). With --dev the password is
// also returned in the answer (dev_otp), gateway or not, as at a node:
// warnDevHub says so at the start.
func hostedOTPSender(webhook, token string, dev bool, logger *slog.Logger) node.OTPSender {
	switch {
	case webhook != "":
		return node.WebhookSender{URL: webhook, Token: token}
	case dev:
		return node.LogSender{Logger: logger}
	}
	return noOTPSender{}
}

// warnDevHub logs, at the start of a hub with --dev, that anyone gets the
// one-time password of any phone of a hosted region: as `serve --dev`
// does, whether or not an SMS gateway is set too.
func warnDevHub(logger *slog.Logger, dev bool, webhook string) {
	if !dev {
		return
	}
	msg := "DEVELOPMENT MODE: hosted regions' one-time passwords are returned in responses (dev_otp); never run a public hub with --dev"
	if webhook != "" {
		msg = "DEVELOPMENT MODE: hosted regions' one-time passwords are returned in responses (dev_otp) as well as sent by --otp-webhook; never run a public hub with --dev"
	}
	logger.Warn(msg)
}

// sendsOTP reports whether sender can send a one-time password at all:
// the hub's people sign in with none otherwise.
func sendsOTP(sender node.OTPSender) bool {
	_, none := sender.(noOTPSender)
	return sender != nil && !none
}

type noOTPSender struct{}

func (noOTPSender) SendOTP(ctx context.Context, phone, code string, expiresAt time.Time) error {
	return healthcode.Errorf(healthcode.EUNAVAILABLE, "this hub sends no one-time passwords: start it with --otp-webhook (or --dev to try it out)")
}
