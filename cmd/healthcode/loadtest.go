package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

func init() { commands["loadtest"] = runLoadtest }

const loadtestUsage = `Usage:
  healthcode loadtest --spawn [--db postgres://…] [flags]
  healthcode loadtest --url http://127.0.0.1:8080 --token ADMIN_OR_HEALTH_TOKEN [flags]

Drives a node on this machine (127.0.0.1, localhost or ::1 only) and reports
requests, errors, throughput and latency per mode. --spawn starts its own
"healthcode serve --dev" on a fresh data directory and a free port, and
removes both afterwards: the one command that reproduces the benchmark
figures. Each mode is measured right after GET /healthz for the same time,
as the baseline of the same server in the same run.

Modes: scans   POST /api/v1/scans with real codes of citizens it signed in
       codes   GET /api/v1/me/code
       batch   POST /api/v1/scans/batch, --batch-size decoded scans a request
       healthz GET /healthz
       all     scans, codes and batch in turn (default)

Flags:
`

// loadModes are the modes of --mode all, in order.
var loadModes = []string{"scans", "codes", "batch"}

// loadConfig is what the flags of loadtest ask for.
type loadConfig struct {
	URL              string
	Token            string
	Spawn            bool
	DB               string // passed to the spawned serve
	Mode             string
	Citizens         int
	Concurrency      int
	BatchConcurrency int
	BatchSize        int
	Duration         time.Duration
	Warmup           time.Duration
	Timeout          time.Duration
	JSON             bool

	addr string // host:port to dial
	host string // the Host header
}

// modes lists the measurements in order: each mode after its healthz
// baseline.
func (c *loadConfig) modes() []string {
	switch c.Mode {
	case "healthz":
		return []string{"healthz"}
	case "all":
		return loadModes
	}
	return []string{c.Mode}
}

func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseLoadtestFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "loadtest:", err)
		return 2
	}
	return loadtest(ctx, cfg, stdout, stderr)
}

func parseLoadtestFlags(args []string, stderr io.Writer) (*loadConfig, error) {
	fs := newFlagSet("loadtest", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), loadtestUsage)
		fs.PrintDefaults()
	}
	var c loadConfig
	u := envString(fs, "url", "HEALTHCODE_LOADTEST_URL", "http://127.0.0.1:8080", "base URL of a running node on this machine")
	token := envString(fs, "token", "HEALTHCODE_LOADTEST_TOKEN", "", "admin or health token of that node, to create the venue")
	spawn := envBool(fs, "spawn", "HEALTHCODE_LOADTEST_SPAWN", false, `start "healthcode serve --dev" on a fresh data directory and free port, and stop it afterwards`)
	db := envString(fs, "db", "HEALTHCODE_DB", "", "with --spawn: PostgreSQL URL the node uses (its schema is the operator's business); SQLite when empty")
	mode := envString(fs, "mode", "HEALTHCODE_LOADTEST_MODE", "all", "scans, codes, batch, healthz or all")
	citizens := loadEnvInt(fs, "citizens", "HEALTHCODE_LOADTEST_CITIZENS", 10, "citizens to sign in (the node lets an address ask 10 one-time passwords a minute)")
	conc := loadEnvInt(fs, "concurrency", "HEALTHCODE_LOADTEST_CONCURRENCY", 128, "keep-alive connections")
	batchConc := loadEnvInt(fs, "batch-concurrency", "HEALTHCODE_LOADTEST_BATCH_CONCURRENCY", 4, "connections of the batch mode, each with one batch in flight")
	batchSize := loadEnvInt(fs, "batch-size", "HEALTHCODE_LOADTEST_BATCH_SIZE", 5000, "scans per batch upload")
	duration := envDuration(fs, "duration", "HEALTHCODE_LOADTEST_DURATION", 10*time.Second, "measured time of each mode")
	warmup := envDuration(fs, "warmup", "HEALTHCODE_LOADTEST_WARMUP", time.Second, "load before each measurement that is not counted")
	timeout := envDuration(fs, "timeout", "HEALTHCODE_LOADTEST_TIMEOUT", 30*time.Second, "limit of one request")
	asJSON := envBool(fs, "json", "HEALTHCODE_LOADTEST_JSON", false, "print the results as JSON")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c = loadConfig{URL: *u, Token: *token, Spawn: *spawn, DB: *db, Mode: *mode, Citizens: *citizens,
		Concurrency: *conc, BatchConcurrency: *batchConc, BatchSize: *batchSize,
		Duration: *duration, Warmup: *warmup, Timeout: *timeout, JSON: *asJSON}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case c.Mode != "all" && c.Mode != "healthz" && !contains(loadModes, c.Mode):
		return nil, fmt.Errorf("--mode: must be scans, codes, batch, healthz or all, got %q", c.Mode)
	case c.Spawn && (set["url"] || set["token"]):
		return nil, fmt.Errorf("--spawn starts its own node: drop --url and --token")
	case !c.Spawn && c.DB != "" && set["db"]:
		return nil, fmt.Errorf("--db is for --spawn; a running node has its own store")
	case c.Spawn && c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://"):
		return nil, fmt.Errorf("--db: must be a postgres:// URL")
	case !c.Spawn && c.Token == "" && c.Mode != "healthz":
		return nil, fmt.Errorf("--token: an admin or health token of the node is needed to create the venue (or use --spawn)")
	case c.Citizens < 1 || c.Citizens > 10000:
		return nil, fmt.Errorf("--citizens: must be between 1 and 10000")
	case c.Concurrency < 1 || c.Concurrency > 10000:
		return nil, fmt.Errorf("--concurrency: must be between 1 and 10000")
	case c.BatchConcurrency < 1 || c.BatchConcurrency > 1000:
		return nil, fmt.Errorf("--batch-concurrency: must be between 1 and 1000")
	case c.BatchSize < 1 || c.BatchSize > 100000:
		return nil, fmt.Errorf("--batch-size: must be between 1 and 100000")
	case c.Duration <= 0:
		return nil, fmt.Errorf("--duration: must be positive")
	case c.Warmup < 0:
		return nil, fmt.Errorf("--warmup: must not be negative")
	case c.Timeout <= 0:
		return nil, fmt.Errorf("--timeout: must be positive")
	}
	if !c.Spawn {
		addr, host, err := loopbackTarget(c.URL)
		if err != nil {
			return nil, err
		}
		c.addr, c.host = addr, host
	}
	return &c, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// loopbackTarget checks that raw is a plain http URL of this machine and
// returns the address to dial and the Host header. The load tool refuses
// any other host: it is for measuring a node beside it, not for loading
// someone else's.
func loopbackTarget(raw string) (addr, host string, err error) {
	u, err := url.Parse(raw)
	if err != nil && strings.Contains(raw, "://") {
		return "", "", fmt.Errorf("--url: %v", err)
	}
	if err != nil || u.Scheme != "http" {
		return "", "", fmt.Errorf("--url: must be http:// (the load tool speaks plain HTTP/1.1 to a node on this machine), got %q", raw)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("--url: give the node's base URL only, such as http://127.0.0.1:8080, got %q", raw)
	}
	h := u.Hostname()
	switch h {
	case "127.0.0.1", "localhost", "::1":
	default:
		return "", "", fmt.Errorf("--url: the load tool only targets this machine (127.0.0.1, localhost or ::1), not %q", h)
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", "", fmt.Errorf("--url: bad port %q", port)
	}
	return net.JoinHostPort(h, port), u.Host, nil
}

// loadEnvInt is an int flag whose default comes from env, like the others
// of flags.go.
func loadEnvInt(fs *flag.FlagSet, name, env string, def int, usage string) *int {
	if v, ok := os.LookupEnv(env); ok {
		if n, err := strconv.Atoi(v); err == nil {
			def = n
		}
	}
	return fs.Int(name, def, usage+" (env "+env+")")
}

// loadtest sets up, measures every mode and reports; it returns the exit
// code.
func loadtest(ctx context.Context, cfg *loadConfig, stdout, stderr io.Writer) int {
	rep := &loadReport{Duration: cfg.Duration.Seconds(), Warmup: cfg.Warmup.Seconds(), Node: "given"}
	if cfg.Spawn {
		node, err := spawnNode(ctx, cfg.DB, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "loadtest: --spawn:", err)
			return 1
		}
		defer func() {
			if err := node.stop(); err != nil {
				fmt.Fprintln(stderr, "loadtest: stopping the spawned node:", err)
			}
		}()
		cfg.URL, cfg.Token = node.base, node.token
		if cfg.addr, cfg.host, err = loopbackTarget(node.base); err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			return 1
		}
		rep.Node = "spawned serve --dev on " + node.backend
	}
	rep.URL = cfg.URL

	var fx *loadFixture
	if cfg.Mode != "healthz" {
		var err error
		if fx, err = setupLoad(ctx, cfg, stderr); err != nil {
			fmt.Fprintln(stderr, "loadtest: setup:", err)
			return 1
		}
		rep.Citizens, rep.Venue = len(fx.citizens), fx.venueID
	}

	failed := false
	for _, m := range cfg.modes() {
		if m != "healthz" {
			base, err := measure(ctx, cfg, "healthz", fx, stderr)
			if err != nil {
				fmt.Fprintln(stderr, "loadtest:", err)
				return 1
			}
			base.BaselineFor = m
			rep.Results = append(rep.Results, base)
			if ctx.Err() != nil {
				break
			}
		}
		res, err := measure(ctx, cfg, m, fx, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			return 1
		}
		rep.Results = append(rep.Results, res)
		if ctx.Err() != nil {
			break
		}
	}
	for _, r := range rep.Results {
		if r.Requests == 0 || r.Errors == r.Requests {
			failed = true
		}
	}
	if cfg.JSON {
		rep.writeJSON(stdout)
	} else {
		rep.writeTable(stdout)
	}
	if failed {
		fmt.Fprintln(stderr, "loadtest: every request of a mode failed (or none completed)")
		return 1
	}
	if ctx.Err() != nil {
		return 1
	}
	return 0
}
