package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"time"

	"github.com/healthcode/healthcode"
	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/node"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func init() { commands["serve"] = runServe }

var regionPattern = regexp.MustCompile(`^CN-\d{6}$`)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	tuneGCForServe()
	fs := newFlagSet("serve", stderr)
	addr := envString(fs, "addr", "HEALTHCODE_ADDR", ":8080", "listen address")
	sf := addStoreFlags(fs)
	region := envString(fs, "region", "HEALTHCODE_REGION", "CN-330100", "this region's id: CN- and its GB/T 2260 code")
	regionName := envString(fs, "region-name", "HEALTHCODE_REGION_NAME", "", "this region's name, for the trust list")
	publicURL := envString(fs, "public-url", "HEALTHCODE_PUBLIC_URL", "", "the URL other regions reach this node at, for the trust list")
	dev := envBool(fs, "dev", "HEALTHCODE_DEV", false, "development mode: one-time passwords are logged and returned as dev_otp; never in production")
	demo := envBool(fs, "demo", "HEALTHCODE_DEMO", false, "seed a fresh store with a small synthetic city and log phones to sign in with; implies --dev")
	policyFile := envString(fs, "policy", "HEALTHCODE_POLICY", "", "region policy JSON file; the embedded national default when empty")
	alg := envString(fs, "alg", "HEALTHCODE_ALG", healthcode.AlgEdDSA, "algorithm of the first signing key: EdDSA or ES256")
	webhook := envString(fs, "otp-webhook", "HEALTHCODE_OTP_WEBHOOK", "", "SMS gateway URL one-time passwords are POSTed to")
	webhookToken := envString(fs, "otp-webhook-token", "HEALTHCODE_OTP_WEBHOOK_TOKEN", "", "bearer token for the SMS gateway")
	trustProxy := envBool(fs, "trust-proxy", "HEALTHCODE_TRUST_PROXY", false, "take the client address from X-Forwarded-For (behind a reverse proxy only)")
	secureCookies := envBool(fs, "secure-cookies", "HEALTHCODE_SECURE_COOKIES", false, "mark session cookies Secure (serve behind HTTPS)")
	logLevel := envString(fs, "log-level", "HEALTHCODE_LOG_LEVEL", "info", "debug, info, warn or error")
	logFormat := envString(fs, "log-format", "HEALTHCODE_LOG_FORMAT", "text", "text or json")
	sweepEvery := envDuration(fs, "sweep-interval", "HEALTHCODE_SWEEP_INTERVAL", time.Minute, "how often statuses whose time has come are evaluated again")
	scanRetention := envDuration(fs, "scan-retention", "HEALTHCODE_SCAN_RETENTION", 28*24*time.Hour, "how long the scan log keeps scans before the purge deletes them")
	issuedMemory := envInt(fs, "issued-codes-memory", "HEALTHCODE_ISSUED_CODES_MEMORY", 2_000_000, "how many issued codes this node remembers to check at its own checkpoints without a signature check")
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
	policy, err := loadPolicy(*policyFile)
	if err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return 2
	}
	if *demo {
		*dev = true // the demo's people sign in with the dev_otp
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
	metrics := node.NewMetrics(reg)

	keys := node.NewKeyRing(db)
	if err := keys.Ensure(ctx, *alg); err != nil {
		logger.Error("cannot make a signing key", "err", err)
		return 1
	}
	auth := node.NewAuthService(db, box, sender)
	auth.Dev, auth.Logger = *dev, logger
	issued := node.NewIssuedCodes(*issuedMemory)
	citizens := &node.CitizenService{Store: db, Policy: policy, Keys: keys, Region: *region,
		Now: time.Now, Logger: logger, Metrics: metrics, Issued: issued}
	trustDoc := &node.TrustDocument{Keys: keys, Region: *region, RegionName: *regionName,
		Endpoint: *publicURL, CodeLifetime: policy.CodeLifetime(), Now: time.Now}

	srv := hchttp.NewServer()
	srv.Auth, srv.Citizens = auth, citizens
	audit := &node.Audit{Store: db, Now: time.Now, Logger: logger, Metrics: node.NewAuditMetrics(reg)}
	srv.Audit, srv.Persons = audit, &node.PersonReads{Store: db, Citizens: citizens, Audit: audit}
	srv.Appeals = &node.AppealService{Store: db, Citizens: citizens, Audit: audit, Now: time.Now}
	srv.TrustJSON = trustDoc.JSON
	srv.Ready = db.Ping
	srv.Logger, srv.Metrics = logger, hchttp.NewMetrics(reg)
	srv.Dev, srv.TrustProxy, srv.SecureCookies = *dev, *trustProxy, *secureCookies

	recompute := &node.Recompute{Store: db, Citizens: citizens}
	srv.Jobs, srv.RiskAreas = recompute, recompute
	srv.Imports = &node.ImportService{Store: db, PersonKey: box.PersonKey, Recomputer: recompute,
		Now: time.Now, Logger: logger, Metrics: node.NewImportMetrics(reg)}
	go recompute.RunScheduler(ctx, *sweepEvery)

	// The scan log writes on until the server has answered its last
	// request: it stops after ListenAndServe returns, not with ctx.
	logCtx, stopLog := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLog()
	writers := 1
	if db.Backend() == "postgres" {
		writers = 4
	}
	venues := &node.VenueService{Store: db, Keys: keys, Region: *region, Now: time.Now, Audit: audit}
	checkpoints := &node.ScanService{Store: db, Venues: venues, Citizens: citizens, Trust: trustDoc, Issued: issued,
		Log: node.NewScanLog(logCtx, db, time.Now, writers), Holders: node.NewHolderReader(logCtx, db, time.Now, 1), Region: *region, Now: time.Now, Audit: audit,
		Logger: logger, Metrics: metrics, Retention: *scanRetention}
	srv.Venues, srv.Checkpoints, srv.Region = venues, checkpoints, *region
	srv.Traces = &node.TraceService{Store: db, Region: *region, Rules: policy.TraceRules, Now: time.Now,
		Logger: logger, Recompute: recompute, Audit: audit}
	go checkpoints.RunPurge(ctx, *scanRetention, time.Hour)

	logger.Info("serving", "addr", *addr, "region", *region, "policy", policy.Version)
	if err := srv.ListenAndServe(ctx, *addr); err != nil {
		logger.Error("server stopped", "err", err)
		return 1
	}
	logger.Info("stopped")
	return 0
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
