package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gctune"
	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/status"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func init() { commands["hub"] = runHub }

// hubStdin is where `--endpoint-token -` reads the token; tests replace it.
var hubStdin io.Reader = os.Stdin

const hubUsage = `Usage:
  healthcode hub [--addr :8090] [--data DIR|--db URL]       serves /hub/v1/… (docs/federation.md), and the API of
           [--dev|--otp-webhook URL] [--exchange 5s]       each region of mode national under /regions/{id}/api/v1/…
  healthcode hub key [--data DIR|--db URL]                 prints the hub's public key (base64, raw Ed25519)
  healthcode hub region add --id CN-440100 --name NAME --mode local|national [--endpoint URL] [--key ALG:BASE64 …]
                           [--endpoint-token TOKEN|-] [--map LOCAL=NATIONAL …]
                                                           registers a region, prints its peer token once
  healthcode hub region set-map --id CN-440100 [--map yellow=red …]
                                                           how the region's colours map to the national ones (none given: identity)
  healthcode hub region set-endpoint --id CN-440100 [--endpoint URL] [--endpoint-token TOKEN|-]
                                                           the region's node and the peer token (made there) the hub asks live
                                                           statuses with; a flag not given is kept, "" clears, - reads stdin
  healthcode hub region set-policy --id CN-650100 [--policy FILE]
                                                           the policy the hub judges a region of mode national by (none: the
                                                           national default); a running hub applies it within 30 s
  healthcode hub region set-name --id CN-440100 --name NAME
                                                           the region's name as trust lists show it (a misspelt one mended)
  healthcode hub region list                               regions, modes, keys and the batches waiting for each (JSON lines)
  healthcode hub region revoke-key --id CN-440100 --kid BASE64
  healthcode hub region token --id CN-440100               another peer token for the region
  healthcode hub keys list                                 region CN's keys, which sign national codes (JSON lines)
  healthcode hub keys rotate [--alg EdDSA|ES256] [--lead 10m]
                                                           a new key of CN, listed at once, signing after --lead
  healthcode hub keys revoke ID                            national codes the key signed stop verifying
The hub's store is its own: --data defaults to ./hub-data (env HEALTHCODE_HUB_DATA).
hub region and hub keys exit 2 on a usage error (a flag missing or refused), 1 when the store refuses or fails.
Admin tokens (for /metrics): healthcode token create --role admin --data ./hub-data
`

// addHubStoreFlags are addStoreFlags with the hub's own defaults: a hub
// and a node started from one directory, or one environment, must not
// share a store, or the node's admin tokens would be the hub's.
func addHubStoreFlags(fs *flag.FlagSet) storeFlags {
	return storeFlags{
		data: envString(fs, "data", "HEALTHCODE_HUB_DATA", "./hub-data", "the hub's data directory: its SQLite database and data key"),
		db:   envString(fs, "db", "HEALTHCODE_HUB_DB", "", "PostgreSQL URL (postgres://…); SQLite in --data when empty"),
	}
}

func runHub(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "key":
			return runHubKey(ctx, args[1:], stdout, stderr)
		case "region":
			return runHubRegion(ctx, args[1:], stdout, stderr)
		case "keys":
			return runHubKeys(ctx, args[1:], stdout, stderr)
		case "help":
			fmt.Fprint(stderr, hubUsage)
			return 0
		}
		if !strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(stderr, "hub: unknown action %q\n%s", args[0], hubUsage)
			return 2
		}
	}
	return runHubServe(ctx, args, stdout, stderr)
}

func runHubServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	gctune.Serve()
	fs := newFlagSet("hub", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, hubUsage); fs.PrintDefaults() }
	addr := envString(fs, "addr", "HEALTHCODE_HUB_ADDR", ":8090", "listen address")
	sf := addHubStoreFlags(fs)
	logLevel := envString(fs, "log-level", "HEALTHCODE_LOG_LEVEL", "info", "debug, info, warn or error")
	logFormat := envString(fs, "log-format", "HEALTHCODE_LOG_FORMAT", "text", "text or json")
	trustProxy := envBool(fs, "trust-proxy", "HEALTHCODE_TRUST_PROXY", false, "take the client address exchanges are limited by from X-Forwarded-For (behind a reverse proxy only)")
	secureCookies := envBool(fs, "secure-cookies", "HEALTHCODE_SECURE_COOKIES", false, "mark hosted regions' session and language cookies Secure (serve behind HTTPS)")
	liveTimeout := envDuration(fs, "live-timeout", "HEALTHCODE_HUB_LIVE_TIMEOUT", hub.DefaultLiveTimeout,
		"how long a resolve waits for the issuing region's node before the code's own claims count")
	// Way 3: the regions of mode national the hub hosts.
	dev := envBool(fs, "dev", "HEALTHCODE_DEV", false, "development mode for hosted regions: one-time passwords are logged and returned as dev_otp; never in production")
	webhook := envString(fs, "otp-webhook", "HEALTHCODE_OTP_WEBHOOK", "", "SMS gateway URL the one-time passwords of hosted regions' people are POSTed to")
	webhookToken := envString(fs, "otp-webhook-token", "HEALTHCODE_OTP_WEBHOOK_TOKEN", "", "bearer token for the SMS gateway")
	exchange := envDuration(fs, "exchange", "HEALTHCODE_HUB_EXCHANGE", 5*time.Second, "how often hosted regions send and fetch their records (way 1)")
	sweepEvery := envDuration(fs, "sweep-interval", "HEALTHCODE_SWEEP_INTERVAL", time.Minute, "how often hosted regions' statuses whose time has come are evaluated again")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hub: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	logger, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		fmt.Fprintln(stderr, "hub:", err)
		return 2
	}
	if *exchange <= 0 || *sweepEvery <= 0 {
		fmt.Fprintln(stderr, "hub: --exchange and --sweep-interval must be positive")
		return 2
	}
	if err := checkOTPWebhook(*webhook); err != nil {
		fmt.Fprintln(stderr, "hub:", err)
		return 2
	}
	warnDevHub(logger, *dev, *webhook)
	sender := hostedOTPSender(*webhook, *webhookToken, *dev, logger)
	db, box, err := openStore(ctx, sf)
	if err != nil {
		logger.Error("cannot open the store", "err", err)
		return 1
	}
	defer db.Close()

	g := hub.New(db)
	g.Logger = logger
	// Made now, not at the first fetch, so the log names the key nodes pin.
	kid, pub, err := g.PublicKey(ctx)
	if err != nil {
		logger.Error("cannot load the hub key", "err", err)
		return 1
	}
	// Region CN's first key too, so that the first list nodes fetch holds it.
	national, err := g.NationalKeys(ctx)
	if err != nil {
		logger.Error("cannot load the national code's keys", "err", err)
		return 1
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := hchttp.NewHubServer()
	// Only Authenticate is reached: no sign-in route on the hub, so no sender.
	srv.Hub, srv.National, srv.Auth, srv.Ready = g, g, node.NewAuthService(db, box, nil), db.Ping
	srv.TrustProxy = *trustProxy
	// Way 2: codes resolved for the nodes, with the regions' colour maps,
	// which the national code applies too.
	resolver := hub.NewResolver(g)
	resolver.LiveTimeout, resolver.Logger = *liveTimeout, logger
	srv.Resolver, g.NationalColour = resolver, resolver.NationalColour
	srv.Logger, srv.Metrics = logger, hchttp.NewMetrics(reg)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		logger.Error("cannot listen", "addr", *addr, "err", err)
		return 1
	}
	// Way 3: regions of mode national, hosted here; they reach the hub
	// over loopback as a node would, once it serves.
	hosted := &hostedRegions{Hub: g, HubAuth: srv.Auth, Box: box, DataDir: *sf.data, DBURL: *sf.db, Sender: sender,
		Dev: *dev, SecureCookies: *secureCookies, Logger: logger, Registry: reg, Metrics: newHostedMetrics(reg), HubURL: loopbackURL(ln.Addr()), HubKey: pub,
		Exchange: *exchange, Refresh: 5 * time.Minute, SweepEvery: *sweepEvery}
	srv.Hosted = hosted.Handler
	defer hosted.Close()
	if err := hosted.Sync(ctx); err != nil {
		logger.Error("hosted regions not all started", "err", err)
	}
	go hosted.Run(ctx, DefaultHostedSync)

	logger.Info("hub serving", "addr", ln.Addr().String(), "backend", db.Backend(), "kid", kid, "hub_key", base64.StdEncoding.EncodeToString(pub),
		"national_keys", len(national))
	if err := srv.Serve(ctx, ln); err != nil {
		logger.Error("hub stopped", "err", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

func runHubKey(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("hub key", stderr)
	sf := addHubStoreFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprint(stderr, hubUsage)
		return 2
	}
	db, _, err := openStore(ctx, sf)
	if err != nil {
		fmt.Fprintln(stderr, "hub key:", err)
		return 1
	}
	defer db.Close()
	kid, pub, err := hub.New(db).PublicKey(ctx)
	if err != nil {
		return fail(stderr, "hub key", err)
	}
	fmt.Fprintf(stderr, "hub key id %s; give nodes --hub-key:\n", kid)
	fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(pub))
	return 0
}

func runHubRegion(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, hubUsage)
		return 2
	}
	action := args[0]
	fs := newFlagSet("hub region "+action, stderr)
	sf := addHubStoreFlags(fs)
	var id, name, mode, endpoint, endpointToken, kid *string
	var keys []*healthcode.RegionKey
	var colourMap healthcode.ColourMap
	var policyText *string
	policyFlag := func() {
		policyText = new(string)
		fs.Func("policy", "the status policy `FILE` (JSON, as serve --policy takes) the hub judges a region of mode national by; \"\" the national default", func(v string) error {
			if v == "" {
				*policyText = ""
				return nil
			}
			data, err := os.ReadFile(v)
			if err != nil {
				return err
			}
			// Checked here, as the hub will load it: what is wrong is said
			// once, against the flag, before the store is opened.
			if _, err := status.LoadPolicy(data); err != nil {
				return errors.New(healthcode.ErrorMessage(err))
			}
			*policyText = string(data)
			return nil
		})
	}
	mapFlag := func() {
		fs.Func("map", "`LOCAL=NATIONAL`: the region's colour LOCAL counts as the national colour NATIONAL (green, yellow or red), e.g. yellow=red; repeatable, identity when none", func(v string) error {
			from, to, err := healthcode.ParseColourMapping(v)
			if err != nil {
				return fmt.Errorf("%s", healthcode.ErrorMessage(err))
			}
			if _, dup := colourMap[from]; dup {
				return fmt.Errorf("%s is mapped twice", from)
			}
			if colourMap == nil {
				colourMap = healthcode.ColourMap{}
			}
			colourMap[from] = to
			return nil
		})
	}
	endpointFlags := func() {
		endpoint = fs.String("endpoint", "", "the region node's `URL`, http(s)")
		// No backquotes but the value's name: the flag package takes the
		// first backquoted text of a usage for it.
		endpointToken = fs.String("endpoint-token", "", "a peer `TOKEN` made on the region's node (healthcode token create --role peer --name hub) that the hub asks it with; - reads it from stdin")
	}
	switch action {
	case "add":
		id = fs.String("id", "", "the region's `ID`: CN- and its six-digit division code")
		name = fs.String("name", "", "the region's name")
		mode = fs.String("mode", "", "local (runs a node) or national (the hub issues its codes)")
		endpointFlags()
		mapFlag()
		policyFlag()
		fs.Func("key", "a code-signing public key the region starts with, `ALG:BASE64` (EdDSA raw 32 bytes, ES256 DER SPKI); repeatable", func(v string) error {
			alg, b64, ok := strings.Cut(v, ":")
			if !ok {
				return fmt.Errorf("want ALG:BASE64")
			}
			pub, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return fmt.Errorf("public key is not standard base64")
			}
			keys = append(keys, &healthcode.RegionKey{Alg: alg, PublicKey: pub})
			return nil
		})
	case "revoke-key":
		id = fs.String("id", "", "the region's `ID`, e.g. CN-440100")
		kid = fs.String("kid", "", "the key's id, standard `BASE64` as hub region list and the trust list show it")
	case "token":
		id = fs.String("id", "", "the region's `ID`, e.g. CN-440100")
	case "set-map":
		id = fs.String("id", "", "the region's `ID`, e.g. CN-440100")
		mapFlag()
	case "set-endpoint":
		id = fs.String("id", "", "the region's `ID`, e.g. CN-440100")
		endpointFlags()
	case "set-policy":
		id = fs.String("id", "", "the region's `ID`, e.g. CN-440100")
		policyFlag()
	case "set-name":
		id = fs.String("id", "", "the region's `ID`, e.g. CN-440100")
		name = fs.String("name", "", "the region's name, as trust lists show it")
	case "list":
	default:
		fmt.Fprintf(stderr, "hub region: unknown action %q\n%s", action, hubUsage)
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hub region %s: unexpected argument %q\n", action, fs.Arg(0))
		return 2
	}
	if id != nil && action != "add" { // add's id is checked with the rest of the region
		switch *id {
		case "":
			fmt.Fprintf(stderr, "hub region %s: --id is required: the region's id, e.g. CN-440100\n", action)
			return 2
		case healthcode.NationalRegion:
			fmt.Fprintf(stderr, "hub region %s: CN is the hub itself, not a region registered at it: its keys are `healthcode hub keys`\n", action)
			return 2
		}
	}
	if endpointToken != nil && *endpointToken == "-" {
		// Off the command line, where other users of the machine see it.
		token, err := readStdinToken(hubStdin)
		if err != nil {
			fmt.Fprintf(stderr, "hub region %s: --endpoint-token -: %v\n", action, err)
			return 2
		}
		*endpointToken = token
	}
	var kidBytes []byte
	if action == "revoke-key" {
		var err error
		if *kid == "" {
			fmt.Fprintln(stderr, "hub region revoke-key: --kid is required: the key's id in standard base64, as `hub region list` shows it")
			return 2
		}
		if kidBytes, err = base64.StdEncoding.DecodeString(*kid); err != nil || len(kidBytes) == 0 {
			fmt.Fprintln(stderr, "hub region revoke-key: --kid: must be the key's id in standard base64, as `hub region list` shows it")
			return 2
		}
	}

	db, _, err := openStore(ctx, sf)
	if err != nil {
		fmt.Fprintln(stderr, "hub region:", err)
		return 1
	}
	defer db.Close()
	g := hub.New(db)
	flagOf := regionFieldFlag(fs)
	switch action {
	case "add":
		r := &healthcode.Region{ID: *id, Name: *name, Mode: *mode, Endpoint: *endpoint, EndpointToken: *endpointToken, ColourMap: colourMap,
			Policy: *policyText}
		token, err := g.AddRegion(ctx, r, keys)
		if err != nil {
			return failFlags(stderr, "hub region add", err, flagOf)
		}
		fmt.Fprintf(stderr, "region %s registered with %d keys; its peer token is shown this once:\n", r.ID, len(keys))
		fmt.Fprintln(stdout, token)
	case "token":
		token, err := g.IssuePeerToken(ctx, *id)
		if err != nil {
			return failFlags(stderr, "hub region token", err, flagOf)
		}
		fmt.Fprintf(stderr, "a new peer token for %s, shown this once:\n", *id)
		fmt.Fprintln(stdout, token)
	case "set-map":
		if colourMap == nil {
			colourMap = healthcode.ColourMap{}
		}
		r, err := g.UpdateRegion(ctx, *id, healthcode.RegionUpdate{ColourMap: &colourMap})
		if err != nil {
			return failFlags(stderr, "hub region set-map", err, flagOf)
		}
		fmt.Fprintf(stderr, "%s maps its colours to the national ones: %s\n", r.ID, r.ColourMap)
	case "set-endpoint":
		var u healthcode.RegionUpdate
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "endpoint":
				u.Endpoint = endpoint
			case "endpoint-token":
				u.EndpointToken = endpointToken
			}
		})
		r, err := g.UpdateRegion(ctx, *id, u)
		if err != nil {
			return failFlags(stderr, "hub region set-endpoint", err, flagOf)
		}
		asked := "not asked for live statuses (no endpoint or no token)"
		if r.Endpoint != "" && r.EndpointToken != "" {
			asked = "asked for live statuses at " + r.Endpoint
		}
		fmt.Fprintf(stderr, "%s: %s\n", r.ID, asked)
	case "set-name":
		r, err := g.UpdateRegion(ctx, *id, healthcode.RegionUpdate{Name: name})
		if err != nil {
			return failFlags(stderr, "hub region set-name", err, flagOf)
		}
		fmt.Fprintf(stderr, "%s is named %s in the trust list from its next fetch\n", r.ID, r.Name)
	case "set-policy":
		r, err := g.UpdateRegion(ctx, *id, healthcode.RegionUpdate{Policy: policyText})
		if err != nil {
			return failFlags(stderr, "hub region set-policy", err, flagOf)
		}
		fmt.Fprintf(stderr, "%s is judged by %s; a running hub applies it within %s\n", r.ID, policyName(r), DefaultHostedSync)
	case "revoke-key":
		if err := g.RevokeKey(ctx, *id, kidBytes); err != nil {
			return failFlags(stderr, "hub region revoke-key", err, flagOf)
		}
		fmt.Fprintf(stderr, "key %s of %s revoked\n", *kid, *id)
	case "list":
		entries, err := g.Regions(ctx)
		if err != nil {
			return failFlags(stderr, "hub region list", err, flagOf)
		}
		backlogs, err := g.BatchBacklogs(ctx)
		if err != nil {
			return failFlags(stderr, "hub region list", err, flagOf)
		}
		// A region registered between the two reads shows nothing waiting.
		byRegion := map[string]healthcode.BatchBacklog{}
		for _, b := range backlogs {
			byRegion[b.Region] = b
		}
		now := g.Now()
		enc := json.NewEncoder(stdout)
		for _, e := range entries {
			enc.Encode(regionRow(e, byRegion[e.Region.ID], now))
		}
	}
	return 0
}

// regionFieldFlag names a field of a region the hub refused by the flag of
// fs it came from (flagNamer): colour_map is --map, keys[1].public_key the
// second --key.
func regionFieldFlag(fs *flag.FlagSet) func(field string) string {
	named := flagNamer(fs, map[string]string{"colour_map": "map"})
	return func(field string) string {
		if rest, ok := strings.CutPrefix(field, "keys["); ok && fs.Lookup("key") != nil {
			if i, sub, ok := strings.Cut(rest, "]."); ok {
				if n, err := strconv.Atoi(i); err == nil {
					return fmt.Sprintf("--key #%d (%s)", n+1, sub)
				}
			}
		}
		return named(field)
	}
}

// maxStdinToken bounds the line `--endpoint-token -` reads: a token is
// some forty bytes.
const maxStdinToken = 4 << 10

// readStdinToken reads the token `--endpoint-token -` takes: the first
// line of r, trimmed. Nothing, or a blank line, is refused rather than
// stored: storing "" clears the token the hub holds, which is done with
// --endpoint-token "" and never by an empty pipe.
func readStdinToken(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, maxStdinToken+1)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("cannot read stdin: %w", err)
	}
	if len(line) > maxStdinToken {
		return "", fmt.Errorf("the first line of stdin is longer than %d bytes: not a token", maxStdinToken)
	}
	token := strings.TrimSpace(line)
	switch {
	case token == "":
		return "", errors.New(`no token on stdin (an empty line); to clear the stored token, give --endpoint-token ""`)
	case strings.ContainsFunc(token, unicode.IsSpace):
		return "", errors.New("the first line of stdin holds more than a token: give the token alone")
	}
	return token, nil
}

type regionKeyRow struct {
	KID       string    `json:"kid"`
	Alg       string    `json:"alg"`
	PublicKey string    `json:"public_key"`
	NotBefore time.Time `json:"not_before,omitzero"`
	NotAfter  time.Time `json:"not_after,omitzero"`
	Revoked   bool      `json:"revoked"`
	AddedAt   time.Time `json:"added_at"`
}

type regionListRow struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Mode     string `json:"mode"`
	Endpoint string `json:"endpoint,omitempty"`
	// EndpointToken says whether the hub holds a token to ask the
	// endpoint with; the token itself is never shown.
	EndpointToken bool                 `json:"endpoint_token"`
	ColourMap     healthcode.ColourMap `json:"colour_map"`
	// Policy is the version of the policy a region of mode national is
	// judged by at the hub.
	Policy       string         `json:"policy,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	KeysIssuedAt time.Time      `json:"keys_issued_at,omitzero"`
	Keys         []regionKeyRow `json:"keys"`
	// What waits at the hub for the region (way 1), as in the metrics:
	// batches past its ack, when the first of them arrived and how long
	// ago, and its last ack (absent: never acked).
	WaitingBatches       int64     `json:"waiting_batches"`
	OldestWaitingAt      time.Time `json:"oldest_waiting_at,omitzero"`
	OldestWaitingSeconds int64     `json:"oldest_waiting_seconds"`
	LastAckAt            time.Time `json:"last_ack_at,omitzero"`
}

func regionRow(e hub.Entry, b healthcode.BatchBacklog, now time.Time) regionListRow {
	colourMap := e.Region.ColourMap.Normal()
	if colourMap == nil {
		colourMap = healthcode.ColourMap{} // {}: the identity
	}
	row := regionListRow{ID: e.Region.ID, Name: e.Region.Name, Mode: e.Region.Mode, Endpoint: e.Region.Endpoint,
		EndpointToken: e.Region.EndpointToken != "", ColourMap: colourMap,
		CreatedAt: e.Region.CreatedAt, KeysIssuedAt: e.Region.KeysIssuedAt, Keys: []regionKeyRow{},
		WaitingBatches: b.Batches, OldestWaitingAt: b.Oldest, LastAckAt: b.LastAck}
	if !b.Oldest.IsZero() {
		row.OldestWaitingSeconds = int64(max(now.Sub(b.Oldest), 0) / time.Second)
	}
	if e.Region.Mode == healthcode.ModeNational {
		row.Policy = policyName(e.Region)
	}
	for _, k := range e.Keys {
		row.Keys = append(row.Keys, regionKeyRow{KID: base64.StdEncoding.EncodeToString(k.KID), Alg: k.Alg,
			PublicKey: base64.StdEncoding.EncodeToString(k.PublicKey), NotBefore: k.NotBefore, NotAfter: k.NotAfter,
			Revoked: k.Revoked, AddedAt: k.AddedAt})
	}
	return row
}

// policyName names the policy the hub judges r by: its version.
func policyName(r *healthcode.Region) string {
	p, err := hub.RegionPolicy(r)
	if err != nil {
		return "an unreadable policy"
	}
	return "policy " + p.Version
}
