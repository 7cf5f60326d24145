package node_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/trust"
	"github.com/prometheus/client_golang/prometheus"
)

// fakeHub serves a trust list signed with its own key at GET /hub/v1/trust
// and takes the key sets PUT to /hub/v1/regions/{id}/keys by the rules of
// docs/federation.md: a peer token; a JWS signed by a key the hub holds for
// the region, not revoked, or while it holds none by a key of the set it
// does not hold (as hub/keyset.go); an
// issued_at later than the last set's; keys merged by kid, a revoked one
// staying revoked.
type fakeHub struct {
	t    *testing.T
	srv  *httptest.Server
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey

	mu   sync.Mutex
	jws  string
	etag string
	down bool // every request answers 503
	// stall, when set, holds every trust list request until it is
	// closed, telling stalled first.
	stall, stalled chan struct{}
	refuse         string // when set, PUT answers 409 with this message
	sets           []publishedSet
	held           []trust.Key // this region's keys, as merged
	last           time.Time   // issued_at of the last set taken
}

// publishedSet is a key set the fake hub took, with the kid its JWS named.
type publishedSet struct {
	HeaderKID string
	Region    string    `json:"region"`
	IssuedAt  time.Time `json:"issued_at"`
	Keys      []struct {
		KID       string    `json:"kid"`
		Alg       string    `json:"alg"`
		PublicKey string    `json:"public_key"`
		NotBefore time.Time `json:"not_before"`
		NotAfter  time.Time `json:"not_after"`
		Revoked   bool      `json:"revoked"`
	} `json:"keys"`
}

const hubToken = "peer-token-of-CN-330100"

func newFakeHub(t *testing.T) *fakeHub {
	h := &fakeHub{t: t}
	h.pub, h.priv, _ = ed25519.GenerateKey(nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hub/v1/trust", h.trust)
	mux.HandleFunc("PUT /hub/v1/regions/{id}/keys", h.keys)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

// serve makes the hub serve list, signed with its key.
func (h *fakeHub) serve(list *trust.List) {
	h.t.Helper()
	h.serveSigned(list, h.priv)
}

func (h *fakeHub) serveSigned(list *trust.List, key ed25519.PrivateKey) {
	h.t.Helper()
	jws, err := trust.SignJWS(list, key, trust.HubKID(h.pub))
	if err != nil {
		h.t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(jws))
	h.mu.Lock()
	h.jws, h.etag = jws, `"`+hex.EncodeToString(sum[:8])+`"`
	h.mu.Unlock()
}

func (h *fakeHub) setDown(down bool) { h.mu.Lock(); h.down = down; h.mu.Unlock() }

func (h *fakeHub) trust(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	jws, etag, down, stall, stalled := h.jws, h.etag, h.down, h.stall, h.stalled
	h.mu.Unlock()
	if stall != nil {
		stalled <- struct{}{}
		<-stall
	}
	switch {
	case down:
		http.Error(w, `{"error":{"code":"unavailable","message":"down"}}`, http.StatusServiceUnavailable)
	case etag != "" && r.Header.Get("If-None-Match") == etag:
		w.WriteHeader(http.StatusNotModified)
	default:
		w.Header().Set("Content-Type", "application/jose")
		w.Header().Set("ETag", etag)
		io.WriteString(w, jws)
	}
}

func (h *fakeHub) keys(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
	}
	h.mu.Lock()
	down, refuse := h.down, h.refuse
	h.mu.Unlock()
	switch {
	case down:
		fail(http.StatusServiceUnavailable, "unavailable", "down")
		return
	case r.Header.Get("Authorization") != "Bearer "+hubToken:
		fail(http.StatusUnauthorized, "unauthorized", "no peer token")
		return
	case refuse != "":
		fail(http.StatusConflict, "conflict", refuse)
		return
	}
	var body struct {
		Signed string `json:"signed"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		fail(http.StatusBadRequest, "invalid", err.Error())
		return
	}
	jws, err := jose.ParseSignedCompact(body.Signed, []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256})
	if err != nil {
		fail(http.StatusBadRequest, "invalid", err.Error())
		return
	}
	var set publishedSet
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &set); err != nil {
		fail(http.StatusBadRequest, "invalid", err.Error())
		return
	}
	set.HeaderKID = jws.Signatures[0].Header.KeyID
	if set.Region != r.PathValue("id") {
		fail(http.StatusForbidden, "forbidden", "region is not the path's")
		return
	}
	var keys []trust.Key
	for _, k := range set.Keys {
		kid, _ := base64.StdEncoding.DecodeString(k.KID)
		pub, _ := base64.StdEncoding.DecodeString(k.PublicKey)
		keys = append(keys, trust.Key{KID: kid, Alg: k.Alg, PublicKey: pub, NotBefore: k.NotBefore, NotAfter: k.NotAfter, Revoked: k.Revoked})
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !set.IssuedAt.After(h.last) {
		fail(http.StatusConflict, "conflict", "issued_at is not later than the last set's")
		return
	}
	// While the hub holds no key of the region not revoked: a key of the
	// set that the hub does not hold (a held one is revoked there).
	signers := slices.DeleteFunc(slices.Clone(keys), func(k trust.Key) bool {
		return slices.ContainsFunc(h.held, func(hk trust.Key) bool { return bytes.Equal(hk.KID, k.KID) })
	})
	if slices.ContainsFunc(h.held, func(k trust.Key) bool { return !k.Revoked }) {
		signers = h.held
	}
	signed := false
	for _, k := range signers {
		if base64.StdEncoding.EncodeToString(k.KID) != set.HeaderKID || k.Revoked {
			continue
		}
		if pub, err := hcode.ParsePublicKey(k.Alg, k.PublicKey); err == nil {
			if _, err := jws.Verify(pub); err == nil {
				signed = true
			}
		}
	}
	if !signed {
		fail(http.StatusForbidden, "forbidden", "not signed by a key the hub may take the set from")
		return
	}
	for _, k := range keys {
		if i := slices.IndexFunc(h.held, func(hk trust.Key) bool { return bytes.Equal(hk.KID, k.KID) }); i >= 0 {
			k.Revoked = k.Revoked || h.held[i].Revoked
			h.held[i] = k
		} else {
			h.held = append(h.held, k)
		}
	}
	h.sets, h.last = append(h.sets, set), set.IssuedAt
	json.NewEncoder(w).Encode(map[string]int{"keys": len(h.held)})
}

// heldRegion is this region as the hub holds it, for its trust list.
func (h *fakeHub) heldRegion() trust.Region {
	h.mu.Lock()
	defer h.mu.Unlock()
	return trust.Region{ID: region, Name: "杭州市", Mode: trust.ModeLocal, Keys: slices.Clone(h.held)}
}

func (h *fakeHub) published() []publishedSet {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]publishedSet(nil), h.sets...)
}

// hubEnv is a checkpoint node that follows a fake hub.
type hubEnv struct {
	*checkpointEnv
	hub    *fakeHub
	client *node.HubClient
	reg    *prometheus.Registry
	dir    string
}

func newHubEnv(t *testing.T) *hubEnv {
	t.Helper()
	e := newCheckpointEnv(t)
	hub := newFakeHub(t)
	he := &hubEnv{checkpointEnv: e, hub: hub, reg: prometheus.NewRegistry(), dir: t.TempDir()}
	he.client = he.newClient(he.reg)
	e.trust.Hub = he.client
	return he
}

// newClient is a fresh client of the node, as after a restart, its
// metrics on reg.
func (e *hubEnv) newClient(reg *prometheus.Registry) *node.HubClient {
	return &node.HubClient{URL: e.hub.srv.URL, Token: hubToken, HubKey: e.hub.pub, Region: region,
		Keys: e.keys, CodeLifetime: 5 * time.Minute, DataDir: e.dir, HTTP: e.hub.srv.Client(),
		Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics: node.NewHubMetrics(reg)}
}

// visitor is a region that the node knows only through the hub.
type visitor struct {
	id     string
	signer *hcode.Signer
	key    trust.Key
}

func newVisitor(t testing.TB, id, alg string) *visitor {
	t.Helper()
	pub, priv, err := hcode.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := hcode.NewSigner(alg, priv)
	if err != nil {
		t.Fatal(err)
	}
	return &visitor{id: id, signer: s, key: trust.Key{KID: s.KID(), Alg: alg, PublicKey: pub}}
}

func (v *visitor) region() trust.Region {
	return trust.Region{ID: v.id, Name: "广州市", Mode: trust.ModeLocal, Keys: []trust.Key{v.key}}
}

// code is a green code of the visitor's region issued at iat.
func (v *visitor) code(t testing.TB, iat time.Time) string {
	t.Helper()
	text, err := v.signer.SignHealth(&hcode.HealthClaims{Issuer: v.id, IssuedAt: iat, ExpiresAt: iat.Add(5 * time.Minute),
		CTI: bytes.Repeat([]byte{7}, 16), Subject: bytes.Repeat([]byte{9}, 16), Colour: healthcode.Green,
		Name: "王*", IDMasked: "44**************11", Doses: 3})
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func hubList(issuedAt time.Time, regions ...trust.Region) *trust.List {
	return &trust.List{Version: 1, IssuedAt: issuedAt, Issuer: "CN", Regions: regions}
}

// metric reads the counter or gauge name of reg, the one labelled with
// result when result is set.
func metric(t testing.TB, reg *prometheus.Registry, name, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if result == "" {
				return m.GetGauge().GetValue()
			}
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no metric %s{result=%q}", name, result)
	return 0
}

// TestHubPublishKeys: the node sends its keys, revoked ones included, in a
// JWS the hub verifies with the node's public key; its kid header is the
// trust list's kid of the node's current key.
func TestHubPublishKeys(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, e *hubEnv)
		alg     string // of the key that signs
		keys    int
		revoked int
	}{
		{"first EdDSA key", func(*testing.T, *hubEnv) {}, healthcode.AlgEdDSA, 1, 0},
		{"a revoked key, then a rotation to ES256", func(t *testing.T, e *hubEnv) {
			ctx := context.Background()
			lost, err := e.keys.Rotate(ctx, healthcode.AlgEdDSA)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.keys.Revoke(ctx, lost.ID); err != nil {
				t.Fatal(err)
			}
			e.clock.Add(time.Second)
			if _, err := e.keys.Rotate(ctx, healthcode.AlgES256); err != nil {
				t.Fatal(err)
			}
		}, healthcode.AlgES256, 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newHubEnv(t)
			tt.setup(t, e)
			if err := e.client.PublishKeys(context.Background()); err != nil {
				t.Fatalf("PublishKeys: %v", err)
			}
			sets := e.hub.published()
			if len(sets) != 1 {
				t.Fatalf("the hub took %d sets, want 1", len(sets))
			}
			set := sets[0]
			if set.Region != region || !set.IssuedAt.Equal(e.clock.Now()) || len(set.Keys) != tt.keys {
				t.Fatalf("set = %s at %v with %d keys, want %s at %v with %d", set.Region, set.IssuedAt, len(set.Keys), region, e.clock.Now(), tt.keys)
			}
			keys, _ := e.keys.Keys(context.Background())
			revoked := 0
			for i, k := range set.Keys {
				if k.KID != base64.StdEncoding.EncodeToString(keys[i].KID) || k.Alg != keys[i].Alg ||
					k.PublicKey != base64.StdEncoding.EncodeToString(keys[i].PublicKey) || k.Revoked != keys[i].Revoked {
					t.Errorf("key %d = %+v, want the node's %d", i, k, keys[i].ID)
				}
				if k.Revoked {
					revoked++
				}
			}
			if set.HeaderKID != set.Keys[0].KID || set.Keys[0].Alg != tt.alg {
				t.Errorf("signed by kid %s, want the newest key %s (%s)", set.HeaderKID, set.Keys[0].KID, tt.alg)
			}
			if revoked != tt.revoked {
				t.Errorf("%d revoked keys sent, want %d", revoked, tt.revoked)
			}
		})
	}
}

// TestHubPublishRefused: a refusal carries the hub's own message, and a hub
// that cannot be reached is counted as such.
func TestHubPublishRefused(t *testing.T) {
	e := newHubEnv(t)
	e.hub.mu.Lock()
	e.hub.refuse = "issued_at is not later than the last set's"
	e.hub.mu.Unlock()
	err := e.client.PublishKeys(context.Background())
	if err == nil || !strings.Contains(err.Error(), "issued_at is not later") || healthcode.ErrorCode(err) != healthcode.ECONFLICT {
		t.Fatalf("PublishKeys = %v, want the hub's conflict message", err)
	}
	e.client.Token = "wrong"
	if err := e.client.PublishKeys(context.Background()); healthcode.ErrorCode(err) != healthcode.EUNAUTHORIZED ||
		!strings.Contains(err.Error(), "--hub-token") {
		t.Fatalf("PublishKeys with a wrong token = %v, want unauthorized naming --hub-token", err)
	}
	e.hub.srv.Close()
	if err := e.client.PublishKeys(context.Background()); healthcode.ErrorCode(err) != healthcode.EUNAVAILABLE {
		t.Fatalf("PublishKeys with the hub gone = %v, want unavailable", err)
	}
	if got := metric(t, e.reg, "healthcode_hub_publish_total", node.HubRefused); got != 2 {
		t.Errorf("refused = %v, want 2", got)
	}
	if got := metric(t, e.reg, "healthcode_hub_publish_total", node.HubUnreachable); got != 1 {
		t.Errorf("unreachable = %v, want 1", got)
	}
}

// TestHubPublishAcrossRotations: the hub takes a set only from a key it
// holds, so after a rotation an older key it holds signs the set that
// brings the new one, and once the hub lists the new key, that signs. A
// key revoked here reaches the hub marked revoked.
func TestHubPublishAcrossRotations(t *testing.T) {
	type step struct {
		name   string
		do     func(t *testing.T, e *hubEnv, keys map[string]*healthcode.SigningKey)
		signer string // the key expected to sign the set, by name
	}
	ctx := context.Background()
	rotate := func(name, alg string) func(*testing.T, *hubEnv, map[string]*healthcode.SigningKey) {
		return func(t *testing.T, e *hubEnv, keys map[string]*healthcode.SigningKey) {
			k, err := e.keys.Rotate(ctx, alg)
			if err != nil {
				t.Fatal(err)
			}
			keys[name] = k
			e.clock.Add(2 * node.RotationGrace) // the old key signs no more codes
		}
	}
	revoke := func(name string) func(*testing.T, *hubEnv, map[string]*healthcode.SigningKey) {
		return func(t *testing.T, e *hubEnv, keys map[string]*healthcode.SigningKey) {
			if err := e.keys.Revoke(ctx, keys[name].ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	fetch := func(t *testing.T, e *hubEnv, _ map[string]*healthcode.SigningKey) {
		e.hub.serve(hubList(e.clock.Now(), e.hub.heldRegion()))
		if err := e.client.FetchTrust(ctx); err != nil {
			t.Fatal(err)
		}
	}
	nothing := func(*testing.T, *hubEnv, map[string]*healthcode.SigningKey) {}
	then := func(fs ...func(*testing.T, *hubEnv, map[string]*healthcode.SigningKey)) func(*testing.T, *hubEnv, map[string]*healthcode.SigningKey) {
		return func(t *testing.T, e *hubEnv, keys map[string]*healthcode.SigningKey) {
			for _, f := range fs {
				f(t, e, keys)
			}
		}
	}
	tests := []struct {
		name    string
		steps   []step
		revoked []string // keys the hub holds revoked at the end
	}{
		{"rotations", []step{
			{"first set", nothing, "k1"},
			{"just after a rotation", then(fetch, rotate("k2", healthcode.AlgES256)), "k1"},
			{"the hub's list not fetched again", nothing, "k1"},
			{"the hub lists k2", fetch, "k2"},
			{"k2 revoked, k3 made", then(revoke("k2"), rotate("k3", healthcode.AlgEdDSA)), "k1"},
			{"the hub lists k3", fetch, "k3"},
		}, []string{"k2"}},
		{"the only key the hub holds revoked here", []step{
			{"first set", fetch, "k1"},
			{"k1 revoked, k2 made", then(fetch, revoke("k1"), rotate("k2", healthcode.AlgEdDSA)), "k1"},
			{"the hub lists k2", fetch, "k2"},
		}, []string{"k1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newHubEnv(t)
			all, _ := e.keys.Keys(ctx)
			keys := map[string]*healthcode.SigningKey{"k1": all[0]}
			for _, st := range tt.steps {
				st.do(t, e, keys)
				e.clock.Add(time.Second) // each set is issued after the last
				if err := e.client.PublishKeys(ctx); err != nil {
					t.Fatalf("%s: PublishKeys: %v", st.name, err)
				}
				sets := e.hub.published()
				if got, want := sets[len(sets)-1].HeaderKID, base64.StdEncoding.EncodeToString(keys[st.signer].KID); got != want {
					t.Fatalf("%s: set signed by kid %s, want %s's %s", st.name, got, st.signer, want)
				}
			}
			var revoked []string
			for name, k := range keys {
				for _, hk := range e.hub.heldRegion().Keys {
					if bytes.Equal(hk.KID, k.KID) && hk.Revoked {
						revoked = append(revoked, name)
					}
				}
			}
			if len(e.hub.heldRegion().Keys) != len(keys) || !slices.Equal(revoked, tt.revoked) {
				t.Errorf("the hub holds %d keys, %v revoked; want %d, %v revoked", len(e.hub.heldRegion().Keys), revoked, len(keys), tt.revoked)
			}
		})
	}
}

// TestHubVisitorCodes: a visitor's code passes the checkpoint once the
// hub's list names their region and key, and is refused again once the hub
// marks the key revoked.
func TestHubVisitorCodes(t *testing.T) {
	e := newHubEnv(t)
	ctx := context.Background()
	_, cp := e.venue(t, healthcode.VenueMall, 0)
	gz := newVisitor(t, "CN-440100", healthcode.AlgES256)
	now := e.clock.Now()
	code := gz.code(t, now.Add(-time.Minute))

	res, err := e.scans.Scan(ctx, cp, code, "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyUntrusted)

	e.hub.serve(hubList(now.Add(-time.Minute), gz.region()))
	if err := e.client.FetchTrust(ctx); err != nil {
		t.Fatalf("FetchTrust: %v", err)
	}
	// No waiting for the verifier's cache: a new list rebuilds it.
	res, err = e.scans.Scan(ctx, cp, code, "in")
	wantVerdict(t, res, err, "pass")
	if res.Scan.Region != gz.id {
		t.Errorf("scan region = %s, want %s", res.Scan.Region, gz.id)
	}

	revoked := gz.region()
	revoked.Keys[0].Revoked = true
	e.hub.serve(hubList(now, revoked))
	if err := e.client.FetchTrust(ctx); err != nil {
		t.Fatalf("FetchTrust: %v", err)
	}
	res, err = e.scans.Scan(ctx, cp, code, "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyKeyRevoked)
}

// TestHubFetchForUnknownKey: a visitor's code signed with a key the hub
// took after the node's last refresh passes at once: the scan fetches the
// list early. Early fetches come at most once every UnknownKeyRefetch,
// whatever codes naming unknown keys are scanned meanwhile.
func TestHubFetchForUnknownKey(t *testing.T) {
	e := newHubEnv(t)
	ctx := context.Background()
	_, cp := e.venue(t, healthcode.VenueMall, 0)
	gz := newVisitor(t, "CN-440100", healthcode.AlgEdDSA)
	rotated := newVisitor(t, "CN-440100", healthcode.AlgEdDSA)  // gz's next key
	stranger := newVisitor(t, "CN-510100", healthcode.AlgEdDSA) // a region nobody registered
	now := e.clock.Now()
	e.hub.serve(hubList(now.Add(-time.Minute), gz.region()))
	if err := e.client.FetchTrust(ctx); err != nil {
		t.Fatal(err)
	}
	fetches := func() float64 {
		return metric(t, e.reg, "healthcode_hub_fetch_total", node.HubOK) +
			metric(t, e.reg, "healthcode_hub_fetch_total", node.HubNotModified)
	}
	before := fetches()

	// The hub takes gz's new key; the node has not refreshed since.
	both := gz.region()
	both.Keys = append(both.Keys, rotated.key)
	e.hub.serve(hubList(now, both))
	res, err := e.scans.Scan(ctx, cp, rotated.code(t, now), "in")
	wantVerdict(t, res, err, "pass")
	if got := fetches() - before; got != 1 {
		t.Fatalf("fetches for the new key = %v, want 1", got)
	}

	// Within the window no code fetches again: not a stranger's, not a
	// forged kid of a known region.
	e.clock.Add(node.UnknownKeyRefetch - time.Second)
	forged := newVisitor(t, "CN-440100", healthcode.AlgEdDSA)
	res, err = e.scans.Scan(ctx, cp, stranger.code(t, e.clock.Now()), "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyUntrusted)
	res, err = e.scans.Scan(ctx, cp, forged.code(t, e.clock.Now()), "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyForged)
	if got := fetches() - before; got != 1 {
		t.Fatalf("fetches within the window = %v, want still 1", got)
	}

	// After it, a code naming an unknown key fetches once more; the list
	// does not hold the stranger, so it is still refused.
	e.clock.Add(2 * time.Second)
	res, err = e.scans.Scan(ctx, cp, stranger.code(t, e.clock.Now()), "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyUntrusted)
	if got := fetches() - before; got != 2 {
		t.Fatalf("fetches after the window = %v, want 2", got)
	}

	// A code of this region's own key never fetches: the node holds its
	// own keys.
	e.clock.Add(node.UnknownKeyRefetch)
	own := newVisitor(t, region, healthcode.AlgEdDSA)
	res, err = e.scans.Scan(ctx, cp, own.code(t, e.clock.Now()), "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyForged)
	if got := fetches() - before; got != 2 {
		t.Fatalf("fetches for this region's own unknown key = %v, want still 2", got)
	}
}

// TestHubFetchForUnknownKeyDoesNotQueue: while the refresh's fetch waits
// for a slow hub, a code naming an unknown key is judged at once on the
// list held, not after that fetch.
func TestHubFetchForUnknownKeyDoesNotQueue(t *testing.T) {
	e := newHubEnv(t)
	ctx := context.Background()
	_, cp := e.venue(t, healthcode.VenueMall, 0)
	gz := newVisitor(t, "CN-440100", healthcode.AlgEdDSA)
	e.hub.serve(hubList(e.clock.Now(), gz.region()))
	stall, stalled := make(chan struct{}), make(chan struct{}, 1)
	e.hub.mu.Lock()
	e.hub.stall, e.hub.stalled = stall, stalled
	e.hub.mu.Unlock()
	refreshed := make(chan error, 1)
	go func() { refreshed <- e.client.FetchTrust(ctx) }()
	<-stalled // the refresh holds the fetch

	res, err := e.scans.Scan(ctx, cp, gz.code(t, e.clock.Now()), "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyUntrusted)
	close(stall)
	if err := <-refreshed; err != nil {
		t.Fatal(err)
	}
	res, err = e.scans.Scan(ctx, cp, gz.code(t, e.clock.Now()), "in")
	wantVerdict(t, res, err, "pass")
}

// TestHubDownAtStart: a node restarted while the hub is down takes the list
// it cached and still lets visitors in.
func TestHubDownAtStart(t *testing.T) {
	e := newHubEnv(t)
	ctx := context.Background()
	_, cp := e.venue(t, healthcode.VenueMall, 0)
	gz := newVisitor(t, "CN-440100", healthcode.AlgEdDSA)
	now := e.clock.Now()
	e.hub.serve(hubList(now.Add(-time.Minute), gz.region()))
	if err := e.client.FetchTrust(ctx); err != nil {
		t.Fatalf("FetchTrust: %v", err)
	}
	fi, err := os.Stat(filepath.Join(e.dir, node.HubTrustFile))
	if err != nil {
		t.Fatalf("no cached list: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("cached list mode = %v, want 0600", fi.Mode().Perm())
	}

	// Restart: a new client and trust document, the hub down.
	e.hub.setDown(true)
	restarted := e.newClient(prometheus.NewRegistry())
	e.trust = &node.TrustDocument{Keys: e.keys, Region: region, CodeLifetime: 5 * time.Minute, Now: e.clock.Now, Hub: restarted}
	e.scans.Trust = e.trust
	if err := restarted.LoadCache(); err != nil {
		t.Fatalf("LoadCache: %v", err)
	}
	if err := restarted.FetchTrust(ctx); healthcode.ErrorCode(err) != healthcode.EUNAVAILABLE {
		t.Fatalf("FetchTrust with the hub down = %v, want unavailable", err)
	}
	res, err := e.scans.Scan(ctx, cp, gz.code(t, now), "in")
	wantVerdict(t, res, err, "pass")
}

// TestHubCacheRefused: a cached file that does not verify under the hub
// key is not used.
func TestHubCacheRefused(t *testing.T) {
	e := newHubEnv(t)
	_, forger, _ := ed25519.GenerateKey(nil)
	jws, err := trust.SignJWS(hubList(e.clock.Now(), newVisitor(t, "CN-440100", healthcode.AlgEdDSA).region()), forger, "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, node.HubTrustFile), []byte(jws), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.client.LoadCache(); err == nil || e.client.List() != nil {
		t.Fatalf("LoadCache of a forged list = %v, list %v; want refused", err, e.client.List())
	}
	os.Remove(filepath.Join(e.dir, node.HubTrustFile))
	if err := e.client.LoadCache(); err != nil {
		t.Fatalf("LoadCache without a file = %v, want nil", err)
	}
}

// TestHubRefusesBadLists: a list signed by another key, or older than the
// one held, is refused; the held list stays in use and on disk.
func TestHubRefusesBadLists(t *testing.T) {
	_, forger, _ := ed25519.GenerateKey(nil)
	tests := []struct {
		name   string
		serve  func(e *hubEnv, now time.Time, other trust.Region)
		result string
	}{
		{"signed by another key", func(e *hubEnv, now time.Time, other trust.Region) {
			e.hub.serveSigned(hubList(now.Add(time.Minute), other), forger)
		}, node.HubBadSignature},
		{"older than the list held", func(e *hubEnv, now time.Time, other trust.Region) {
			e.hub.serve(hubList(now.Add(-time.Hour), other))
		}, node.HubStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newHubEnv(t)
			ctx := context.Background()
			_, cp := e.venue(t, healthcode.VenueMall, 0)
			gz := newVisitor(t, "CN-440100", healthcode.AlgEdDSA)
			now := e.clock.Now()
			e.hub.serve(hubList(now, gz.region()))
			if err := e.client.FetchTrust(ctx); err != nil {
				t.Fatalf("FetchTrust: %v", err)
			}
			held := e.client.List()
			cached, _ := os.ReadFile(filepath.Join(e.dir, node.HubTrustFile))

			// The new list drops CN-440100 for another region.
			tt.serve(e, now, newVisitor(t, "CN-310100", healthcode.AlgEdDSA).region())
			if err := e.client.FetchTrust(ctx); err == nil {
				t.Fatal("FetchTrust took the list")
			}
			if e.client.List() != held {
				t.Error("the held list was replaced")
			}
			if again, _ := os.ReadFile(filepath.Join(e.dir, node.HubTrustFile)); !bytes.Equal(again, cached) {
				t.Error("the cached list was replaced")
			}
			// The copy written while the list was checked is gone too.
			if files, _ := os.ReadDir(e.dir); len(files) != 1 || files[0].Name() != node.HubTrustFile {
				var names []string
				for _, f := range files {
					names = append(names, f.Name())
				}
				t.Errorf("data dir holds %v, want the cached list alone", names)
			}
			res, err := e.scans.Scan(ctx, cp, gz.code(t, now), "in")
			wantVerdict(t, res, err, "pass")
			if got := metric(t, e.reg, "healthcode_hub_fetch_total", tt.result); got != 1 {
				t.Errorf("fetches %s = %v, want 1", tt.result, got)
			}
		})
	}
}

// TestHubNotModified: the ETag spares the body, and the list held stays.
func TestHubNotModified(t *testing.T) {
	e := newHubEnv(t)
	ctx := context.Background()
	if age := metric(t, e.reg, "healthcode_hub_trust_age_seconds", ""); !math.IsInf(age, 1) {
		t.Errorf("trust age with no list = %v, want +Inf", age)
	}
	e.hub.serve(hubList(e.clock.Now()))
	for range 2 {
		if err := e.client.FetchTrust(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ok, nm := metric(t, e.reg, "healthcode_hub_fetch_total", node.HubOK), metric(t, e.reg, "healthcode_hub_fetch_total", node.HubNotModified)
	if ok != 1 || nm != 1 {
		t.Errorf("fetches ok %v, not_modified %v; want 1 and 1", ok, nm)
	}
	if e.client.List() == nil {
		t.Error("no list held")
	}
	e.clock.Add(90 * time.Second)
	if age := metric(t, e.reg, "healthcode_hub_trust_age_seconds", ""); age != 90 {
		t.Errorf("trust age = %v, want 90", age)
	}
}

// TestHubTrustDocument: the node's /api/v1/trust serves its own region from
// its own keys, whatever the hub says of it, and the hub's other regions.
func TestHubTrustDocument(t *testing.T) {
	e := newHubEnv(t)
	ctx := context.Background()
	before, err := e.trust.JSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gz := newVisitor(t, "CN-440100", healthcode.AlgEdDSA)
	stale := newVisitor(t, region, healthcode.AlgEdDSA).region() // the hub's copy of this region, behind
	stale.Name = "旧"
	national := newVisitor(t, "CN", healthcode.AlgEdDSA).region()
	national.Mode = trust.ModeNational
	e.hub.serve(hubList(e.clock.Now(), stale, gz.region(), national))
	if err := e.client.FetchTrust(ctx); err != nil {
		t.Fatal(err)
	}
	doc, err := e.trust.JSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(doc, before) {
		t.Fatal("the served list did not change with the hub's")
	}
	list, err := trust.Parse(doc, nil)
	if err != nil {
		t.Fatalf("the node's list does not parse: %v", err)
	}
	var ids []string
	for _, r := range list.Regions {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, " ") != region+" CN-440100 CN" {
		t.Fatalf("regions = %v, want this one, then the hub's others", ids)
	}
	keys, _ := e.keys.Keys(ctx)
	own := list.Region(region)
	if own.Name != "杭州市" || len(own.Keys) != 1 || !bytes.Equal(own.Keys[0].KID, keys[0].KID) {
		t.Errorf("own region = %+v, want the node's own name and key", own)
	}
	if got := list.Region("CN-440100").Keys; len(got) != 1 || !bytes.Equal(got[0].PublicKey, gz.key.PublicKey) {
		t.Errorf("CN-440100 keys = %+v, want the hub's", got)
	}

	// Without --region-name the region goes by the name the hub registered
	// it under, and by its id while no hub list is held.
	for _, tc := range []struct {
		hub  *node.HubClient
		want string
	}{{e.client, "旧"}, {nil, region}} {
		unnamed := &node.TrustDocument{Keys: e.keys, Region: region, CodeLifetime: 5 * time.Minute, Now: e.clock.Now, Hub: tc.hub}
		l, err := unnamed.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Region(region).Name; got != tc.want {
			t.Errorf("unnamed region, hub %v: name %q, want %q", tc.hub != nil, got, tc.want)
		}
	}
}

// A node started while the hub is down holds the hub's list soon after
// the hub returns, not at its next refresh an interval later.
func TestHubRunRetriesSoonAfterAFailure(t *testing.T) {
	e := newHubEnv(t)
	e.hub.serve(hubList(e.clock.Now()))
	e.hub.setDown(true)
	client := e.client
	client.RetryMin = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { client.Run(ctx, time.Hour); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "a failed fetch", func() bool { return metric(t, e.reg, "healthcode_hub_fetch_total", node.HubUnreachable) >= 1 })
	e.hub.setDown(false)
	waitFor(t, "the list and the keys after the hub's return", func() bool {
		return client.List() != nil && len(e.hub.published()) > 0
	})
}

// After the hub's admin revokes the key the node signed with, and the node
// rotates and restarts with the list it cached before (showing that key
// held), the first key set it sends is signed by the new key: the list is
// fetched before the keys are published, so the revoked key does not sign
// a set the hub would refuse.
func TestHubRunFetchesBeforePublishing(t *testing.T) {
	e := newHubEnv(t)
	ctx := context.Background()
	if err := e.client.PublishKeys(ctx); err != nil {
		t.Fatal(err)
	}
	e.hub.serve(hubList(e.clock.Now(), e.hub.heldRegion()))
	if err := e.client.FetchTrust(ctx); err != nil { // cached: k1 held
		t.Fatal(err)
	}
	e.hub.mu.Lock() // the hub's admin revokes k1
	e.hub.held[0].Revoked = true
	e.hub.mu.Unlock()
	e.clock.Add(time.Minute)
	e.hub.serve(hubList(e.clock.Now(), e.hub.heldRegion()))
	k2, err := e.keys.Rotate(ctx, healthcode.AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Second)

	reg := prometheus.NewRegistry()
	restarted := e.newClient(reg)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { restarted.Run(runCtx, time.Hour); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "a key set after the restart", func() bool { return len(e.hub.published()) == 2 })
	if got, want := e.hub.published()[1].HeaderKID, base64.StdEncoding.EncodeToString(k2.KID); got != want {
		t.Errorf("set signed by kid %s, want the new key's %s", got, want)
	}
	if n := metric(t, reg, "healthcode_hub_publish_total", node.HubRefused); n != 0 {
		t.Errorf("%v sets refused, want 0", n)
	}
}

// waitFor polls cond until it holds, failing after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after 5 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHubRun: Run publishes and fetches at once, then stops with ctx.
func TestHubRun(t *testing.T) {
	e := newHubEnv(t)
	e.hub.serve(hubList(e.clock.Now()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.client.Run(ctx, time.Hour); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for e.client.List() == nil || len(e.hub.published()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Run neither published nor fetched")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}
