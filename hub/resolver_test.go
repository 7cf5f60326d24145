package hub_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/trust"
)

// fakeNode answers POST /api/v1/peer/status as a region node would, with
// what the test sets, and keeps what it was asked.
type fakeNode struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	answer string
	delay  time.Duration
	asked  []string // "token code"
}

func newFakeNode(t *testing.T) *fakeNode {
	f := &fakeNode{status: http.StatusOK}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Code string }
		json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		f.asked = append(f.asked, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+" "+req.Code)
		status, answer, delay := f.status, f.answer, f.delay
		f.mu.Unlock()
		if r.URL.Path != "/api/v1/peer/status" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(answer))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeNode) set(status int, answer string, delay time.Duration) {
	f.mu.Lock()
	f.status, f.answer, f.delay, f.asked = status, answer, delay, nil
	f.mu.Unlock()
}

func (f *fakeNode) questions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

// resolveEnv is a hub with three regions: Hangzhou asks its node (a fake),
// Guangzhou has no endpoint and counts its yellow as red, Chengdu's node
// is down.
type resolveEnv struct {
	*env
	resolver   *hub.Resolver
	hubKey     ed25519.PublicKey
	node       *fakeNode
	hz, gz, cd *hubtest.CodeSigner
}

func newResolveEnv(t *testing.T) *resolveEnv {
	e := &resolveEnv{env: newEnv(t), node: newFakeNode(t)}
	e.hz = hubtest.NewCodeSigner(t, "CN-330100", healthcode.AlgEdDSA)
	e.gz = hubtest.NewCodeSigner(t, "CN-440100", healthcode.AlgES256)
	e.cd = hubtest.NewCodeSigner(t, "CN-510100", healthcode.AlgEdDSA)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, r := range []struct {
		region   *healthcode.Region
		signer   *hubtest.CodeSigner
		notAfter time.Time
	}{
		{&healthcode.Region{ID: "CN-330100", Name: "杭州市", Mode: healthcode.ModeLocal, Endpoint: e.node.URL + "/", EndpointToken: "hz-node-token"}, e.hz, time.Time{}},
		{&healthcode.Region{ID: "CN-440100", Name: "广州市", Mode: healthcode.ModeLocal,
			ColourMap: healthcode.ColourMap{healthcode.Yellow: healthcode.Red}}, e.gz, time.Time{}},
		{&healthcode.Region{ID: "CN-510100", Name: "成都市", Mode: healthcode.ModeLocal, Endpoint: down.URL, EndpointToken: "cd-node-token"}, e.cd, t0.Add(time.Hour)},
	} {
		k := r.signer.RegionKey()
		k.NotBefore, k.NotAfter = t0.Add(-24*time.Hour), r.notAfter
		if _, err := e.hub.AddRegion(ctx, r.region, []*healthcode.RegionKey{k}); err != nil {
			t.Fatal(err)
		}
	}
	e.resolver = hub.NewResolver(e.hub)
	e.resolver.LiveTimeout = 300 * time.Millisecond
	_, pub, err := e.hub.PublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.hubKey = pub
	return e
}

// open checks the hub's JWS as a node does and returns its status.
func (e *resolveEnv) open(t *testing.T, res *healthcode.Resolution, code string) *healthcode.NationalStatus {
	t.Helper()
	jws, err := jose.ParseSignedCompact(res.Signed, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	if kid := jws.Signatures[0].Header.KeyID; kid != trust.HubKID(e.hubKey) {
		t.Errorf("kid %q, want the hub's %q", kid, trust.HubKID(e.hubKey))
	}
	payload, err := jws.Verify(e.hubKey)
	if err != nil {
		t.Fatalf("the answer does not verify under the hub key: %v", err)
	}
	var s healthcode.NationalStatus
	if err := json.Unmarshal(payload, &s); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(code))
	if s.Issuer != "CN" || s.CodeSHA256 != base64.RawURLEncoding.EncodeToString(sum[:]) ||
		!s.CheckedAt.Equal(e.clock.Now()) || !s.ExpiresAt.Equal(s.CheckedAt.Add(5*time.Minute)) {
		t.Errorf("iss %q, code_sha256 %q, checked_at %s, exp %s", s.Issuer, s.CodeSHA256, s.CheckedAt, s.ExpiresAt)
	}
	return &s
}

func colourName(c *healthcode.Colour) string {
	if c == nil {
		return ""
	}
	return c.String()
}

func TestResolve(t *testing.T) {
	e := newResolveEnv(t)
	now := e.clock.Now()
	stranger := hubtest.NewCodeSigner(t, "CN-330100", healthcode.AlgEdDSA)
	unknown := hubtest.NewCodeSigner(t, "CN-110100", healthcode.AlgEdDSA)
	live := func(colour string, action bool) string {
		b, _ := json.Marshal(map[string]any{"region": "CN-330100", "colour": colour, "action_required": action, "checked_at": now})
		return string(b)
	}

	tests := []struct {
		name   string
		code   string
		node   func() // sets the fake node up
		valid  bool
		errStr string // verify's error code when not valid
		colour, local,
		source string
		action   bool
		fallback bool
		asked    bool // the fake node was asked, with the region's token
	}{
		{name: "live: the node's colour, not the code's", code: e.hz.Code(t, now, healthcode.Green, false),
			node: func() { e.node.set(200, live("red", true), 0) }, valid: true, colour: "red", local: "red", source: "live", action: true, asked: true},
		{name: "live green", code: e.hz.Code(t, now.Add(-2*time.Minute), healthcode.Yellow, true),
			node: func() { e.node.set(200, live("green", false), 0) }, valid: true, colour: "green", local: "green", source: "live", asked: true},
		{name: "the node fails: the code's claims", code: e.hz.Code(t, now, healthcode.Yellow, false),
			node: func() { e.node.set(500, `{"error":{"code":"internal"}}`, 0) }, valid: true, colour: "yellow", local: "yellow", source: "code", fallback: true, asked: true},
		{name: "the node refuses the code: the code's claims", code: e.hz.Code(t, now, healthcode.Green, false),
			node: func() { e.node.set(404, `{"error":{"code":"not_found"}}`, 0) }, valid: true, colour: "green", local: "green", source: "code", fallback: true, asked: true},
		{name: "the node is too slow", code: e.hz.Code(t, now, healthcode.Red, false),
			node: func() { e.node.set(200, live("green", false), time.Second) }, valid: true, colour: "red", local: "red", source: "code", fallback: true, asked: true},
		{name: "the node answers for another region", code: e.hz.Code(t, now, healthcode.Red, false),
			node: func() { e.node.set(200, `{"region":"CN-440100","colour":"green"}`, 0) }, valid: true, colour: "red", local: "red", source: "code", fallback: true, asked: true},
		{name: "the node answers no colour", code: e.hz.Code(t, now, healthcode.Red, false),
			node: func() { e.node.set(200, `{"region":"CN-330100"}`, 0) }, valid: true, colour: "red", local: "red", source: "code", fallback: true, asked: true},
		{name: "node down: fallback", code: e.cd.Code(t, now, healthcode.Green, true),
			valid: true, colour: "green", local: "green", source: "code", action: true, fallback: true},
		{name: "no endpoint, yellow maps to red", code: e.gz.Code(t, now, healthcode.Yellow, false),
			valid: true, colour: "red", local: "yellow", source: "code"},
		{name: "no endpoint, green stays green", code: e.gz.Code(t, now, healthcode.Green, false),
			valid: true, colour: "green", local: "green", source: "code"},
		{name: "expired", code: e.hz.Code(t, now.Add(-6*time.Minute), healthcode.Green, false), errStr: "expired"},
		{name: "issued in the future", code: e.hz.Code(t, now.Add(6*time.Minute), healthcode.Green, false), errStr: "not_yet_valid"},
		{name: "within the skew", code: e.gz.Code(t, now.Add(4*time.Minute), healthcode.Green, false),
			valid: true, colour: "green", local: "green", source: "code"},
		{name: "forged: a key the region does not hold", code: stranger.Code(t, now, healthcode.Green, false), errStr: "unknown_kid"},
		{name: "forged: the signature altered", code: hubtest.TamperSignature(t, e.hz.Code(t, now, healthcode.Green, false)), errStr: "bad_signature"},
		{name: "signed after the key's not_after", code: e.cd.Code(t, now.Add(2*time.Hour), healthcode.Green, false), errStr: "key_not_valid_at_iat"},
		{name: "unknown region", code: unknown.Code(t, now, healthcode.Green, false), errStr: "unknown_region"},
		{name: "not a health code", code: "CNPC1:NOTHING", errStr: "bad_prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.node.set(200, live("green", false), 0)
			if tt.node != nil {
				tt.node()
			}
			res, err := e.resolver.Resolve(ctx, peer("CN-440100"), tt.code)
			if err != nil {
				t.Fatal(err)
			}
			s := e.open(t, res, tt.code)
			if !sameStatus(s, res.Status) {
				t.Errorf("signed %+v, returned %+v", s, res.Status)
			}
			if s.Valid != tt.valid || s.Error != tt.errStr || colourName(s.Colour) != tt.colour || colourName(s.LocalColour) != tt.local ||
				s.Source != tt.source || s.ActionRequired != tt.action || res.Fallback != tt.fallback {
				t.Errorf("status %+v (colour %s, local %s), fallback %v; want valid %v error %q colour %s local %s source %q action %v fallback %v",
					s, colourName(s.Colour), colourName(s.LocalColour), res.Fallback, tt.valid, tt.errStr, tt.colour, tt.local, tt.source, tt.action, tt.fallback)
			}
			if !s.Valid && (s.Message == "" || s.Source != "") {
				t.Errorf("a refusal says %q, source %q", s.Message, s.Source)
			}
			asked := e.node.questions()
			if tt.asked != (len(asked) == 1) || tt.asked && asked[0] != "hz-node-token "+tt.code {
				t.Errorf("the node was asked %q", asked)
			}
		})
	}
}

func sameStatus(a, b *healthcode.NationalStatus) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestResolveRequest(t *testing.T) {
	e := newResolveEnv(t)
	code := e.gz.Code(t, t0, healthcode.Green, false)
	tests := []struct {
		name   string
		caller *healthcode.Caller
		code   string
		want   string
	}{
		{"no caller", nil, code, healthcode.EUNAUTHORIZED},
		{"a hub admin", admin, code, healthcode.EFORBIDDEN},
		{"a peer token bound to no region", &healthcode.Caller{Role: healthcode.RolePeer}, code, healthcode.EFORBIDDEN},
		{"no code", peer("CN-330100"), "", healthcode.EINVALID},
		{"too long", peer("CN-330100"), "CNHC1:" + strings.Repeat("A", 5000), healthcode.EINVALID},
		{"the code's own region", peer("CN-440100"), code, ""},
	}
	for _, tt := range tests {
		_, err := e.resolver.Resolve(ctx, tt.caller, tt.code)
		if got := healthcode.ErrorCode(err); got != tt.want {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestResolveFollowsTheStore: a revocation, a new colour map and a new
// endpoint count from the next resolve, whoever made them.
func TestResolveFollowsTheStore(t *testing.T) {
	e := newResolveEnv(t)
	now := e.clock.Now()
	gzCode := e.gz.Code(t, now, healthcode.Yellow, false)
	resolve := func(code string) *healthcode.NationalStatus {
		t.Helper()
		res, err := e.resolver.Resolve(ctx, peer("CN-330100"), code)
		if err != nil {
			t.Fatal(err)
		}
		return e.open(t, res, code)
	}
	if s := resolve(gzCode); colourName(s.Colour) != "red" {
		t.Fatalf("before: %s", colourName(s.Colour))
	}
	identity := healthcode.ColourMap{}
	if _, err := e.hub.UpdateRegion(ctx, "CN-440100", healthcode.RegionUpdate{ColourMap: &identity}); err != nil {
		t.Fatal(err)
	}
	if s := resolve(gzCode); colourName(s.Colour) != "yellow" {
		t.Errorf("after the identity map: %s", colourName(s.Colour))
	}
	if c, err := e.resolver.NationalColour(ctx, "CN-440100", healthcode.Yellow); err != nil || c != healthcode.Yellow {
		t.Errorf("NationalColour = %s, %v", c, err)
	}

	endpoint, token := e.node.URL, "gz-node-token"
	if _, err := e.hub.UpdateRegion(ctx, "CN-440100", healthcode.RegionUpdate{Endpoint: &endpoint, EndpointToken: &token}); err != nil {
		t.Fatal(err)
	}
	e.node.set(200, `{"region":"CN-440100","colour":"green","action_required":false}`, 0)
	if s := resolve(gzCode); s.Source != "live" || colourName(s.Colour) != "green" {
		t.Errorf("after the endpoint: %+v", s)
	}
	if q := e.node.questions(); len(q) != 1 || !strings.HasPrefix(q[0], "gz-node-token ") {
		t.Errorf("the node was asked %q", q)
	}

	if err := e.hub.RevokeKey(ctx, "CN-440100", e.gz.KID()); err != nil {
		t.Fatal(err)
	}
	if s := resolve(gzCode); s.Valid || s.Error != "key_revoked" {
		t.Errorf("after the revocation: %+v", s)
	}
	if c, err := e.resolver.NationalColour(ctx, "CN-999999", healthcode.Red); err != nil || c != healthcode.Red {
		t.Errorf("NationalColour of an unknown region = %s, %v", c, err)
	}
}

// TestResolveNationalCode: a national code (iss CN) resolves against the
// hub's own keys, its colour already national (the region's map applied
// at the exchange through the Resolver's hook); once its key is revoked,
// the next resolve says so.
func TestResolveNationalCode(t *testing.T) {
	e := newResolveEnv(t)
	e.hub.NationalColour = e.resolver.NationalColour
	now := e.clock.Now()
	nc, err := e.hub.Exchange(ctx, e.gz.Code(t, now, healthcode.Yellow, false), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.resolver.Resolve(ctx, peer("CN-330100"), nc.Code)
	if err != nil {
		t.Fatal(err)
	}
	if s := e.open(t, res, nc.Code); !s.Valid || s.Region != "CN" || colourName(s.Colour) != "red" || colourName(s.LocalColour) != "red" || s.Source != "code" {
		t.Fatalf("national code: %+v", s)
	}
	keys, err := e.hub.NationalKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := e.hub.RevokeNationalKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
	}
	res, err = e.resolver.Resolve(ctx, peer("CN-330100"), nc.Code)
	if err != nil {
		t.Fatal(err)
	}
	if s := e.open(t, res, nc.Code); s.Valid || s.Error != "key_revoked" {
		t.Fatalf("national code of a revoked key: %+v", s)
	}
}
