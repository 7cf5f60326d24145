package node_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/storetest"
	"github.com/prometheus/client_golang/prometheus"
)

// viaHubEnv is a checkpoint of this region (CN-330100) that resolves
// other regions' codes through a real hub, served over httptest on a
// store of its own: Guangzhou counts its yellow as red, Chengdu maps
// nothing; neither is in the node's trust list.
type viaHubEnv struct {
	*checkpointEnv
	hub      *hub.Registry
	srv      *httptest.Server
	resolver *node.HubResolver
	reg      *prometheus.Registry
	gz, cd   *hubtest.CodeSigner
}

func newViaHubEnv(t *testing.T) *viaHubEnv {
	t.Helper()
	ctx := context.Background()
	e := &viaHubEnv{checkpointEnv: newCheckpointEnv(t), reg: prometheus.NewRegistry()}
	hubDB := storetest.MustOpenDB(t)
	e.hub = hub.New(hubDB)
	e.hub.Now = e.clock.Now
	token, err := e.hub.AddRegion(ctx, &healthcode.Region{ID: region, Name: "杭州市", Mode: healthcode.ModeLocal}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.gz = hubtest.NewCodeSigner(t, "CN-440100", healthcode.AlgEdDSA)
	e.cd = hubtest.NewCodeSigner(t, "CN-510100", healthcode.AlgES256)
	for _, r := range []struct {
		region *healthcode.Region
		signer *hubtest.CodeSigner
	}{
		{&healthcode.Region{ID: "CN-440100", Name: "广州市", Mode: healthcode.ModeLocal, ColourMap: healthcode.ColourMap{healthcode.Yellow: healthcode.Red}}, e.gz},
		{&healthcode.Region{ID: "CN-510100", Name: "成都市", Mode: healthcode.ModeLocal}, e.cd},
	} {
		if _, err := e.hub.AddRegion(ctx, r.region, []*healthcode.RegionKey{r.signer.RegionKey()}); err != nil {
			t.Fatal(err)
		}
	}
	srv := hchttp.NewHubServer()
	srv.Hub, srv.Resolver, srv.Auth = e.hub, hub.NewResolver(e.hub), node.NewAuthService(hubDB, storetest.TestBox(t), nil)
	e.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(e.srv.Close)
	_, pub, err := e.hub.PublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.resolver = &node.HubResolver{URL: e.srv.URL, Token: token, HubKey: pub, Region: region, All: true,
		HTTP: e.srv.Client(), Now: e.clock.Now, Metrics: node.NewResolveMetrics(e.reg)}
	e.scans.ViaHub = e.resolver
	return e
}

func TestScanViaHub(t *testing.T) {
	e := newViaHubEnv(t)
	ctx := context.Background()
	_, mall := e.venue(t, healthcode.VenueMall, 0)
	_, hospital := e.venue(t, healthcode.VenueHospital, 0)
	_, own := e.person(t, 1)
	now := e.clock.Now()
	stranger := hubtest.NewCodeSigner(t, "CN-440100", healthcode.AlgEdDSA)
	otherHubKey, _, _ := ed25519.GenerateKey(rand.Reader) // public

	tests := []struct {
		name    string
		setup   func() // changes the env; undone by the next case's reset
		cp      *healthcode.Caller
		code    string
		verdict string
		reasons []string
		colour  healthcode.Colour
		viaHub  bool
		result  string // counted by healthcode_resolve_via_hub_total; "" when the hub is not asked
	}{
		{name: "green visitor passes on the hub's word", cp: mall, code: e.gz.Code(t, now, healthcode.Green, false),
			verdict: "pass", colour: healthcode.Green, viaHub: true, result: node.ResolveValid},
		{name: "a yellow visitor enters a hospital where yellow is yellow", cp: hospital, code: e.cd.Code(t, now, healthcode.Yellow, false),
			verdict: "pass", colour: healthcode.Yellow, viaHub: true, result: node.ResolveValid},
		{name: "yellow that the region maps to red is denied at a hospital", cp: hospital, code: e.gz.Code(t, now, healthcode.Yellow, false),
			verdict: "deny", reasons: []string{healthcode.DenyColour, healthcode.DenyViaHub}, colour: healthcode.Red, viaHub: true, result: node.ResolveValid},
		{name: "action required, said by the hub", cp: mall, code: e.cd.Code(t, now, healthcode.Green, true),
			verdict: "deny", reasons: []string{healthcode.DenyActionRequired, healthcode.DenyViaHub}, colour: healthcode.Green, viaHub: true, result: node.ResolveValid},
		{name: "expired, said by the hub", cp: mall, code: e.gz.Code(t, now.Add(-time.Hour), healthcode.Green, false),
			verdict: "deny", reasons: []string{healthcode.DenyExpired, healthcode.DenyViaHub}, viaHub: true, result: node.ResolveInvalid},
		{name: "forged, said by the hub", cp: mall, code: stranger.Code(t, now, healthcode.Green, false),
			verdict: "deny", reasons: []string{healthcode.DenyForged, healthcode.DenyViaHub}, viaHub: true, result: node.ResolveInvalid},
		{name: "an answer not signed by the pinned key", setup: func() { e.resolver.HubKey = otherHubKey },
			cp: mall, code: e.gz.Code(t, now, healthcode.Green, false), verdict: "deny", reasons: []string{healthcode.DenyHubUnavailable}, result: node.ResolveBadAnswer},
		{name: "an answer gone stale on the way", setup: func() { e.resolver.Now = func() time.Time { return now.Add(6 * time.Minute) } },
			cp: mall, code: e.gz.Code(t, now, healthcode.Green, false), verdict: "deny", reasons: []string{healthcode.DenyHubUnavailable}, result: node.ResolveBadAnswer},
		{name: "a token the hub does not know", setup: func() { e.resolver.Token = "nope" },
			cp: mall, code: e.gz.Code(t, now, healthcode.Green, false), verdict: "deny", reasons: []string{healthcode.DenyHubUnavailable}, result: node.ResolveRefused},
		{name: "the hub is down (for good: the last to ask it)", setup: e.srv.Close, cp: mall, code: e.gz.Code(t, now, healthcode.Green, false),
			verdict: "deny", reasons: []string{healthcode.DenyHubUnavailable}, result: node.ResolveUnreachable},
		{name: "a region not resolved through the hub, nor trusted", setup: func() { e.resolver.All, e.resolver.Regions = false, map[string]bool{"CN-510100": true} },
			cp: mall, code: e.gz.Code(t, now, healthcode.Green, false), verdict: "deny", reasons: []string{healthcode.DenyUntrusted}},
		{name: "this node's own code is judged here", cp: mall, code: own, verdict: "pass", colour: healthcode.Green},
	}
	pristine := *e.resolver
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*e.resolver = pristine
			if tt.setup != nil {
				tt.setup()
			}
			before := map[string]float64{}
			for _, r := range []string{node.ResolveValid, node.ResolveInvalid, node.ResolveUnreachable, node.ResolveRefused, node.ResolveBadAnswer} {
				before[r] = metric(t, e.reg, "healthcode_resolve_via_hub_total", r)
			}
			res, err := e.scans.Scan(ctx, tt.cp, tt.code, "in")
			wantVerdict(t, res, err, tt.verdict, tt.reasons...)
			if via := res.ResolvedVia == healthcode.ResolvedViaHub; via != tt.viaHub {
				t.Errorf("resolved via %q", res.ResolvedVia)
			}
			if tt.colour != 0 || tt.verdict == "pass" {
				if res.Scan.Colour != tt.colour {
					t.Errorf("colour %s, want %s", res.Scan.Colour, tt.colour)
				}
			}
			if tt.viaHub && len(tt.reasons) == 0 || tt.reasons != nil && tt.reasons[0] == healthcode.DenyColour {
				// The hub vouched for the code: its claims are logged.
				if res.Scan.Region == "" || len(res.Scan.Subject) != 16 || res.Name == "" || res.ExpiresAt.IsZero() {
					t.Errorf("scan %+v, name %q, expires %s: the code's claims are missing", res.Scan, res.Name, res.ExpiresAt)
				}
			}
			for r, n := range before {
				want := n
				if r == tt.result {
					want++
				}
				if got := metric(t, e.reg, "healthcode_resolve_via_hub_total", r); got != want {
					t.Errorf("healthcode_resolve_via_hub_total{result=%q} = %v, want %v", r, got, want)
				}
			}
		})
	}
}

func TestParseResolveRegions(t *testing.T) {
	tests := []struct {
		in      string
		all     bool
		regions []string
		bad     bool
		says    string // in the error
	}{
		{in: "*", all: true},
		{in: " * ", all: true},
		{in: "CN-440100", regions: []string{"CN-440100"}},
		{in: "CN-440100, CN-510100,CN", regions: []string{"CN-440100", "CN-510100", "CN"}},
		{in: "CN-440100,", regions: []string{"CN-440100"}},
		{in: "CN-330100", bad: true}, // this node's own
		{in: "440100", bad: true, says: `"440100" is not a region id`},
		{in: "CN-440100,*", bad: true, says: "* (every region) stands alone"},
		{in: "*,CN-330100", bad: true, says: "* (every region) stands alone"},
	}
	for _, tt := range tests {
		regions, all, err := node.ParseResolveRegions(tt.in, region)
		if tt.bad != (err != nil) || all != tt.all || len(regions) != len(tt.regions) {
			t.Errorf("ParseResolveRegions(%q) = %v, %v, %v", tt.in, regions, all, err)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tt.says) {
			t.Errorf("ParseResolveRegions(%q): %v, want it to say %q", tt.in, err, tt.says)
		}
		for _, r := range tt.regions {
			if !regions[r] {
				t.Errorf("ParseResolveRegions(%q) lacks %s", tt.in, r)
			}
		}
	}
}

// TestPeerStatus: the hub asking about a code of this region hears its
// holder's live status, not the code's colour; about anything else, an
// error.
func TestPeerStatus(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	id, code := e.person(t, 1)
	hub := &healthcode.Caller{Role: healthcode.RolePeer, Name: "hub"}
	visitor := hubtest.NewCodeSigner(t, "CN-440100", healthcode.AlgEdDSA)

	st, err := e.scans.PeerStatus(ctx, hub, code)
	if err != nil || st.Region != region || st.Colour != healthcode.Green || st.ActionRequired || !st.CheckedAt.Equal(e.clock.Now()) {
		t.Fatalf("PeerStatus = %+v, %v", st, err)
	}
	// A positive test makes the holder red: the code still says green.
	key, err := e.db.PersonKey(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	if err := e.db.AddRecords(ctx, &healthcode.RecordBatch{Tests: []healthcode.Test{{PersonKey: key,
		SampledAt: now.Add(-2 * time.Hour), ReportedAt: now.Add(-time.Hour), Result: healthcode.Positive, Lab: "lab"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.citizens.Evaluate(ctx, id); err != nil {
		t.Fatal(err)
	}
	for name, svc := range map[string]*node.ScanService{"this node": e.scans, "another node": e.otherNode()} {
		if st, err := svc.PeerStatus(ctx, hub, code); err != nil || st.Colour != healthcode.Red {
			t.Errorf("%s: after the positive test: %+v, %v", name, st, err)
		}
	}

	tests := []struct {
		name   string
		caller *healthcode.Caller
		code   string
		at     time.Duration // after now
		want   string
		field  string // the reason under "code", for EINVALID
	}{
		{"a checkpoint", &healthcode.Caller{Role: healthcode.RoleCheckpoint, VenueID: "v"}, code, 0, healthcode.EFORBIDDEN, ""},
		{"no code", hub, "", 0, healthcode.EINVALID, ""},
		{"not a code", hub, "hello", 0, healthcode.EINVALID, "bad_prefix"},
		{"another region's", hub, visitor.Code(t, now, healthcode.Green, false), 0, healthcode.EINVALID, ""},
		{"expired", hub, code, 10 * time.Minute, healthcode.EINVALID, "expired"},
	}
	for _, tt := range tests {
		svc := e.otherNode() // no memory of the codes: verified
		clock := now.Add(tt.at)
		svc.Now = func() time.Time { return clock }
		_, err := svc.PeerStatus(ctx, tt.caller, tt.code)
		if healthcode.ErrorCode(err) != tt.want || tt.field != "" && healthcode.ErrorFields(err)["code"] != tt.field {
			t.Errorf("%s: %v (fields %v), want %s %s", tt.name, err, healthcode.ErrorFields(err), tt.want, tt.field)
		}
	}
	// A code of this region, signed with its key, for nobody known here.
	signer, err := e.keys.Signer(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	nobody := (&hubtest.CodeSigner{Signer: signer, Region: region}).Code(t, now, healthcode.Green, false)
	if _, err := e.otherNode().PeerStatus(ctx, hub, nobody); healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		t.Errorf("nobody: %v", err)
	}
}

// TestPeerStatusOverHTTP: the hub's live question to a node, through the
// node's HTTP API with a peer token its admin made.
func TestPeerStatusOverHTTP(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	_, code := e.person(t, 1)
	token, _, err := node.CreateStaffToken(ctx, e.db, node.StaffTokenRequest{Role: healthcode.RolePeer, Name: "hub"}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := hchttp.NewServer()
	srv.Auth, srv.Peers = e.auth, e.scans
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	client := &hub.NodeClient{HTTP: ts.Client()}
	st, err := client.PeerStatus(ctx, &healthcode.Region{ID: region, Endpoint: ts.URL, EndpointToken: token}, code)
	if err != nil || st.Region != region || st.Colour != healthcode.Green {
		t.Fatalf("PeerStatus over HTTP = %+v, %v", st, err)
	}
	for name, r := range map[string]*healthcode.Region{
		"a wrong token":    {ID: region, Endpoint: ts.URL, EndpointToken: "nope"},
		"a wrong endpoint": {ID: region, Endpoint: ts.URL + "/elsewhere", EndpointToken: token},
	} {
		if _, err := client.PeerStatus(ctx, r, code); healthcode.ErrorCode(err) != healthcode.EUNAVAILABLE {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := client.PeerStatus(ctx, &healthcode.Region{ID: region, Endpoint: ts.URL, EndpointToken: token}, "CNHC1:AAAA"); err == nil {
		t.Errorf("a bad code answered")
	}
}

// TestHubResolverBindsTheAnswerToTheCode: a signed green answer about one
// code, replayed for another, is refused.
func TestHubResolverBindsTheAnswerToTheCode(t *testing.T) {
	e := newViaHubEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	green := e.gz.Code(t, now, healthcode.Green, false)
	res, err := hub.NewResolver(e.hub).Resolve(ctx, &healthcode.Caller{Role: healthcode.RolePeer, Region: region}, green)
	if err != nil {
		t.Fatal(err)
	}
	replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"signed": res.Signed})
	}))
	t.Cleanup(replay.Close)
	e.resolver.URL = replay.URL
	if st, err := e.resolver.Resolve(ctx, green); err != nil || !st.Valid {
		t.Fatalf("the code the answer is about: %+v, %v", st, err)
	}
	red := e.gz.Code(t, now, healthcode.Red, false)
	if st, err := e.resolver.Resolve(ctx, red); healthcode.ErrorCode(err) != healthcode.EUNAVAILABLE {
		t.Fatalf("another code: %+v, %v", st, err)
	}
	if got := metric(t, e.reg, "healthcode_resolve_via_hub_total", node.ResolveBadAnswer); got != 1 {
		t.Errorf("bad answers %v", got)
	}
}
