package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gctune"
	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/trust"
	"github.com/healthcode/healthcode/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func init() { commands["serve"] = runServe }

var regionPattern = regexp.MustCompile(`^CN-\d{6}$`)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	gctune.Serve()
	fs := newFlagSet("serve", stderr)
	addr := envString(fs, "addr", "HEALTHCODE_ADDR", ":8080", "listen address")
	sf := addStoreFlags(fs)
	region := envString(fs, "region", "HEALTHCODE_REGION", "CN-330100", "this region's id: CN- and its GB/T 2260 code")
	regionName := envString(fs, "region-name", "HEALTHCODE_REGION_NAME", "", "this region's name, for the trust list; the name the hub registered it under when empty")
	publicURL := envString(fs, "public-url", "HEALTHCODE_PUBLIC_URL", "", "the URL other regions reach this node at, for the trust list")
	dev := envBool(fs, "dev", "HEALTHCODE_DEV", false, "development mode: one-time passwords are logged and returned as dev_otp; never in production")
	demo := envBool(fs, "demo", "HEALTHCODE_DEMO", false, "seed a fresh store with a small synthetic city and log phones and staff tokens to sign in with; implies --dev")
	policyFile := envString(fs, "policy", "HEALTHCODE_POLICY", "", "region policy JSON file; the embedded national default when empty")
	alg := envString(fs, "alg", "HEALTHCODE_ALG", healthcode.AlgEdDSA, "algorithm of the first signing key: EdDSA or ES256")
	webhook := envString(fs, "otp-webhook", "HEALTHCODE_OTP_WEBHOOK", "", "SMS gateway URL one-time passwords are POSTed to")
	webhookToken := envString(fs, "otp-webhook-token", "HEALTHCODE_OTP_WEBHOOK_TOKEN", "", "bearer token for the SMS gateway")
	trustProxy := envBool(fs, "trust-proxy", "HEALTHCODE_TRUST_PROXY", false, "take the client address from X-Forwarded-For (behind a reverse proxy only)")
	secureCookies := envBool(fs, "secure-cookies", "HEALTHCODE_SECURE_COOKIES", false, "mark session cookies Secure (serve behind HTTPS)")
	logLevel := envString(fs, "log-level", "HEALTHCODE_LOG_LEVEL", "info", "debug, info, warn or error")
	logFormat := envString(fs, "log-format", "HEALTHCODE_LOG_FORMAT", "text", "text or json")
	sweepEvery := envDuration(fs, "sweep-interval", "HEALTHCODE_SWEEP_INTERVAL", time.Minute, "how often statuses whose time has come are evaluated again")
	resumptionEvery := envDuration(fs, "resumption-interval", "HEALTHCODE_RESUMPTION_INTERVAL", node.DefaultResumptionSweep,
		"how often pending applications to resume work are evaluated and approved once enough staff are ready")
	orgReportAt := envString(fs, "org-report-at", "HEALTHCODE_ORG_REPORT_AT", "07:00",
		"time of day (HH:MM, China) each organisation's daily report is stored and posted to its webhook")
	scanRetention := envDuration(fs, "scan-retention", "HEALTHCODE_SCAN_RETENTION", 28*24*time.Hour, "how long the scan log keeps scans before the purge deletes them")
	issuedMemory := envInt(fs, "issued-codes-memory", "HEALTHCODE_ISSUED_CODES_MEMORY", 2_000_000, "how many issued codes this node remembers to check at its own checkpoints without a signature check")
	hf := addHubFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	logger, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return 2
	}
	if !regionPattern.MatchString(*region) {
		fmt.Fprintln(stderr, "serve: --region: must be CN- and a six-digit division code, e.g. CN-330100")
		return 2
	}
	hubKey, err := hf.check()
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return 2
	}
	reportAt, err := node.ParseReportTime(*orgReportAt)
	if err != nil {
		fmt.Fprintln(stderr, "serve: --org-report-at:", err)
		return 2
	}
	viaHub, err := hf.viaHub(hubKey, *region)
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return 2
	}
	policy, err := loadPolicy(*policyFile)
	if err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return 2
	}
	if *demo {
		*dev = true // the demo's people sign in with the dev_otp
	}
	if err := checkOTPWebhook(*webhook); err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return 2
	}
	var sender node.OTPSender
	switch {
	case *webhook != "":
		sender = node.WebhookSender{URL: *webhook, Token: *webhookToken}
	case *dev:
		sender = node.LogSender{Logger: logger}
	default:
		fmt.Fprintln(stderr, "serve: no SMS gateway: set --otp-webhook URL, or --dev to log one-time passwords while trying the system out")
		return 2
	}
	if *demo {
		logger.Warn("DEMO MODE (implies --dev): synthetic people, one-time passwords returned in responses (dev_otp); never run a public node with --demo")
	} else if *dev {
		logger.Warn("DEVELOPMENT MODE: one-time passwords are returned in responses (dev_otp); never run a public node with --dev")
	}

	db, box, err := openStore(ctx, sf)
	if err != nil {
		logger.Error("cannot open the store", "err", err)
		return 1
	}
	defer db.Close()
	logger.Info("store open", "backend", db.Backend())
	if *demo {
		if err := seedDemo(ctx, db, *region, policy, logger); err != nil {
			logger.Error("cannot seed the demo city", "err", err)
			return 1
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	stack, err := newRegionStack(ctx, db, box, regionConfig{Region: *region, Policy: policy, Alg: *alg, Sender: sender,
		Dev: *dev, IssuedMemory: *issuedMemory, Logger: logger, Registry: reg, HTTPMetrics: hchttp.NewMetrics(reg)})
	if err != nil {
		logger.Error("cannot set the region up", "err", err)
		return 1
	}
	keys, citizens, audit, recompute, srv := stack.Keys, stack.Citizens, stack.Audit, stack.Recompute, stack.Server
	if wrapRecomputeStore != nil {
		recompute.Store = wrapRecomputeStore(recompute.Store)
	}
	metrics := citizens.Metrics
	traces := &node.TraceService{Store: db, Region: *region, Rules: policy.TraceRules, Now: time.Now,
		Logger: logger, Recompute: recompute, Audit: audit}
	// The node's loops (way 1 with the hub, the schedulers of resumptions,
	// reports, purges and the colour history, the sweep of abandoned jobs)
	// end with ctx, or when serve
	// returns otherwise; they run in stack.jobs, waited for before the
	// store closes.
	loopCtx, stopLoops := context.WithCancel(ctx)
	// Once the server has answered its last request (ListenAndServe
	// returned), and before the store closes (deferred above) whichever
	// way serve returns.
	stop := sync.OnceFunc(func() { stopJobs(logger, stopLoops, stack, traces) })
	defer stop()
	trustDoc := &node.TrustDocument{Keys: keys, Region: *region, RegionName: *regionName,
		Endpoint: *publicURL, CodeLifetime: policy.CodeLifetime(), Now: time.Now}
	if hubKey != nil {
		// Way 1 of federation too: records about other regions' people go
		// out through the hub, and theirs about this region's people come in.
		trustDoc.Hub = stack.joinHub(loopCtx, hubLink{URL: *hf.url, Token: *hf.token, HubKey: hubKey, DataDir: *sf.data,
			Refresh: *hf.refresh, Exchange: *hf.exchange, OutboxRetention: *hf.outboxRetention,
			ParkAfter: *hf.parkAfter}, policy.CodeLifetime(), reg, logger)
		logger.Info("following hub", "hub", *hf.url, "hub_kid", trust.HubKID(hubKey), "refresh", hf.refresh.String())
	}
	srv.TrustJSON = trustDoc.JSON
	srv.TrustProxy, srv.SecureCookies = *trustProxy, *secureCookies
	// The scheduler ends with recompute.Close, not with ctx: a job it runs
	// while the server answers its last requests is interrupted with the
	// others, and says so.
	go recompute.RunScheduler(context.WithoutCancel(ctx), *sweepEvery)
	// Employers are approved to resume work without anyone reading their application.
	stack.jobs.Go(func() { srv.Resumptions.(*node.ResumptionService).RunScheduler(loopCtx, *resumptionEvery) })
	// Each morning every organisation's report is stored and sent.
	stack.jobs.Go(func() { srv.Orgs.(*node.OrgService).RunMorningReports(loopCtx, reportAt) })
	// The jobs and traces of a process that died (killed, a power cut) are
	// failed, from the start on, so nobody waits for them for ever.
	stack.sweepAbandoned(loopCtx, logger)

	// The scan log writes on until the server has answered its last
	// request: it stops after ListenAndServe returns, not with ctx.
	logCtx, stopLog := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLog()
	writers := 1
	if db.Backend() == "postgres" {
		writers = 4
	}
	venues := &node.VenueService{Store: db, Keys: keys, Region: *region, Now: time.Now, Audit: audit}
	checkpoints := &node.ScanService{Store: db, Venues: venues, Citizens: citizens, Trust: trustDoc, Issued: citizens.Issued,
		Log: node.NewScanLog(logCtx, db, time.Now, writers), Holders: node.NewHolderReader(logCtx, db, time.Now, 1), Region: *region, Now: time.Now, Audit: audit,
		Logger: logger, Metrics: metrics, Retention: *scanRetention}
	checkpoints.Employees = node.NewEmployeeCache()
	if viaHub != nil {
		// Way 2: these regions' codes are judged on the hub's national status.
		viaHub.Metrics = node.NewResolveMetrics(reg)
		checkpoints.ViaHub = viaHub
		logger.Info("resolving through the hub", "regions", *hf.resolveVia)
	}
	srv.Venues, srv.Checkpoints, srv.Region, srv.Peers = venues, checkpoints, *region, checkpoints
	srv.Traces = traces
	stack.jobs.Go(func() { checkpoints.RunPurge(loopCtx, *scanRetention, time.Hour) })
	// The web pages, beside the API on the same address (package web).
	srv.Pages = &web.Handler{Auth: stack.Auth, Citizens: citizens, Appeals: srv.Appeals, Audit: audit, Sessions: srv,
		Dev: *dev, SecureCookies: *secureCookies, Logger: logger}
	srv.Pages.(*web.Handler).Venues = venues
	srv.Pages.(*web.Handler).Checkins = checkpoints // the citizen's check-in by place code
	// The health authority's and the admin's pages.
	pages := srv.Pages.(*web.Handler)
	pages.Overview = &node.Overview{Store: db, Now: time.Now, History: db}
	// The colours held, counted once an hour for the dashboard's history.
	stack.jobs.Go(func() { node.NewColourHistory(db, time.Now, logger, reg).Run(loopCtx) })
	pages.Imports, pages.Jobs, pages.RiskAreas, pages.Traces, pages.Persons = stack.Imports, recompute, recompute, srv.Traces, srv.Persons
	pages.Tokens, pages.TrustList = &node.TokenAdmin{Store: db, Now: time.Now}, trustDoc.List
	if trustDoc.Hub != nil {
		pages.Hub = trustDoc.Hub
		pages.Outbox = db // the batches the hub refused too often, parked
		// Citizens get national codes from the hub through this node.
		national := &node.NationalCodes{Hub: trustDoc.Hub, Citizens: citizens, Trust: trustDoc, Now: time.Now, Logger: logger}
		srv.NationalCodes, pages.National = national, national
	}

	logger.Info("serving", "addr", *addr, "region", *region, "policy", policy.Version)
	logger.Info("open the web pages in a browser", "url", pagesURL(*addr))
	err = srv.ListenAndServe(ctx, *addr)
	stop()
	if err != nil {
		logger.Error("server stopped", "err", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

// stopTimeout bounds how long a node (or a hub's hosted region) waits,
// when it stops, for its background jobs to end.
const stopTimeout = 10 * time.Second

// wrapRecomputeStore, when a test sets it, wraps the store serve's
// recompute jobs work on: the test holds a job mid-run there to stop
// serve under it (serve_stop_test.go).
var wrapRecomputeStore func(healthcode.RecomputeStore) healthcode.RecomputeStore

// stopJobs ends a node's background work before its store closes, within
// stopTimeout: its loops first (way 1 with the hub, whose last batches may
// start a recompute, and the schedulers), then the recompute and trace
// jobs, interrupted. Their rows say so; the statuses still due are
// recomputed after the restart.
func stopJobs(logger *slog.Logger, stopLoops context.CancelFunc, stack *regionStack, traces *node.TraceService) {
	logger.Info("stopping background jobs", "within", stopTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	stopLoops()
	loopsDone := make(chan struct{})
	go func() {
		stack.jobs.Wait()
		close(loopsDone)
	}()
	select {
	case <-loopsDone:
	case <-ctx.Done():
	}
	if err := closeJobs(ctx, stack.Recompute, traces); err != nil {
		logger.Warn("background jobs still running as the store closes; the statuses they leave due are recomputed after the restart",
			"waited", stopTimeout, "err", err)
		return
	}
	logger.Info("background jobs stopped")
}

// closeJobs closes services at once, each interrupting its jobs, and
// waits for them all within ctx.
func closeJobs(ctx context.Context, services ...interface{ Close(context.Context) error }) error {
	errs := make([]error, len(services))
	var wg sync.WaitGroup
	for i, s := range services {
		wg.Go(func() { errs[i] = s.Close(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// hubFlags are the flags of a node that joins a hub (docs/federation.md).
type hubFlags struct {
	url, token, key   *string
	refresh, exchange *time.Duration
	resolveVia        *string
	outboxRetention   *time.Duration
	parkAfter         *int
}

func addHubFlags(fs *flag.FlagSet) hubFlags {
	return hubFlags{
		url:     envString(fs, "hub", "HEALTHCODE_HUB", "", "URL of the hub this node joins; with --hub-token and --hub-key"),
		token:   envString(fs, "hub-token", "HEALTHCODE_HUB_TOKEN", "", "this region's peer token at the hub"),
		key:     envString(fs, "hub-key", "HEALTHCODE_HUB_KEY", "", "the hub's `BASE64` public key, raw Ed25519, as healthcode hub key prints it"),
		refresh: envDuration(fs, "hub-refresh", "HEALTHCODE_HUB_REFRESH", 5*time.Minute, "how often the keys are published to the hub and its trust list fetched"),
		exchange: envDuration(fs, "hub-exchange", "HEALTHCODE_HUB_EXCHANGE", 5*time.Second,
			"how often records for other regions are sent to the hub and this region's are fetched"),
		outboxRetention: envDuration(fs, "hub-outbox-retention", "HEALTHCODE_HUB_OUTBOX_RETENTION", node.DefaultOutboxRetention,
			"how long batches the hub took are kept, with their records, before they are purged"),
		parkAfter: envInt(fs, "hub-park-after", "HEALTHCODE_HUB_PARK_AFTER", node.DefaultHubParkAfter,
			"refusals by the hub (4xx) after which a batch of records for another region is parked: not posted again until healthcode outbox requeue"),
		resolveVia: envString(fs, "resolve-via-hub", "HEALTHCODE_RESOLVE_VIA_HUB", "",
			"regions (comma-separated, or * for every other) whose codes checkpoints resolve through the hub instead of trusting them directly"),
	}
}

// check returns the pinned hub key, nil when no hub is followed. The three
// go together: a hub without its key would be trusted blindly, and one
// without a token never learns this region's keys.
func (f hubFlags) check() (ed25519.PublicKey, error) {
	var missing []string
	for _, fl := range []struct {
		name string
		v    string
	}{{"--hub", *f.url}, {"--hub-token", *f.token}, {"--hub-key", *f.key}} {
		if fl.v == "" {
			missing = append(missing, fl.name)
		}
	}
	switch len(missing) {
	case 3:
		return nil, nil
	case 0:
	default:
		return nil, fmt.Errorf("--hub, --hub-token and --hub-key go together: %s missing", strings.Join(missing, " and "))
	}
	if u, err := url.Parse(*f.url); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("--hub: must be the hub's http(s) URL, e.g. https://hub.example")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(*f.key))
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("--hub-key: must be the hub's raw Ed25519 public key (32 bytes) in standard base64, as `healthcode hub key` prints it")
	}
	if *f.refresh <= 0 {
		return nil, fmt.Errorf("--hub-refresh: must be positive")
	}
	if *f.exchange <= 0 {
		return nil, fmt.Errorf("--hub-exchange: must be positive")
	}
	if *f.outboxRetention <= 0 {
		return nil, fmt.Errorf("--hub-outbox-retention: must be positive")
	}
	if *f.parkAfter < 1 {
		return nil, fmt.Errorf("--hub-park-after: must be 1 or more")
	}
	return ed25519.PublicKey(key), nil
}

// viaHub returns the resolver of the regions --resolve-via-hub names, nil
// when it names none.
func (f hubFlags) viaHub(hubKey ed25519.PublicKey, region string) (*node.HubResolver, error) {
	if strings.TrimSpace(*f.resolveVia) == "" {
		return nil, nil
	}
	if hubKey == nil {
		return nil, fmt.Errorf("--resolve-via-hub: needs the hub (--hub, --hub-token and --hub-key)")
	}
	regions, all, err := node.ParseResolveRegions(*f.resolveVia, region)
	if err != nil {
		return nil, fmt.Errorf("--resolve-via-hub: %w", err)
	}
	return &node.HubResolver{URL: *f.url, Token: *f.token, HubKey: hubKey, Region: region, Regions: regions, All: all,
		HTTP: &http.Client{Timeout: node.DefaultResolveTimeout}, Now: time.Now}, nil
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: must be debug, info, warn or error")
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: must be text or json")
}

// pagesURL is the address to open the pages at, for the log: a listener
// on every interface is reached at localhost.
func pagesURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
