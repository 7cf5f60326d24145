package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/storetest"
	"github.com/healthcode/healthcode/trust"
)

// TestServeHubFlags: --hub, --hub-token and --hub-key come together, and a
// mistake is named before the node starts (as one in --otp-webhook).
func TestServeHubFlags(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--hub", "https://hub.example"}, "--hub-token and --hub-key missing"},
		{[]string{"--hub", "https://hub.example", "--hub-key", key}, "--hub-token missing"},
		{[]string{"--hub-token", "t", "--hub-key", key}, "--hub missing"},
		{[]string{"--hub", "hub.example", "--hub-token", "t", "--hub-key", key}, "--hub: must be"},
		{[]string{"--hub", "https://hub.example", "--hub-token", "t", "--hub-key", "c2hvcnQ="}, "--hub-key: must be"},
		{[]string{"--hub", "https://hub.example", "--hub-token", "t", "--hub-key", key, "--hub-refresh", "0s"}, "--hub-refresh"},
		{[]string{"--otp-webhook", "notaurl"}, "--otp-webhook: must be"},
	} {
		_, errOut, exit := runCmd(append([]string{"serve", "--dev", "--data", data}, tc.args...)...)
		if exit != 2 || !strings.Contains(errOut, tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 saying %q", tc.args, exit, errOut, tc.says)
		}
	}
}

// TestServeFollowsHub: a node started with --hub publishes its keys, and
// its /api/v1/trust soon lists the hub's other regions; the list is cached
// in --data.
func TestServeFollowsHub(t *testing.T) {
	hubPub, hubPriv, _ := ed25519.GenerateKey(nil)
	otherPub, _, _ := hcode.GenerateKey(healthcode.AlgEdDSA)
	list := &trust.List{Version: 1, IssuedAt: time.Now().UTC().Truncate(time.Second), Issuer: "CN", Regions: []trust.Region{
		{ID: "CN-440100", Name: "广州市", Mode: trust.ModeLocal,
			Keys: []trust.Key{{KID: hcode.KID(healthcode.AlgEdDSA, otherPub), Alg: healthcode.AlgEdDSA, PublicKey: otherPub}}},
	}}
	jws, err := trust.SignJWS(list, hubPriv, trust.HubKID(hubPub))
	if err != nil {
		t.Fatal(err)
	}
	var puts atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hub/v1/trust", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jose")
		io.WriteString(w, jws)
	})
	mux.HandleFunc("PUT /hub/v1/regions/CN-330100/keys", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Signed string }
		if r.Header.Get("Authorization") != "Bearer peer-token" || json.NewDecoder(r.Body).Decode(&body) != nil || body.Signed == "" {
			http.Error(w, `{"error":{"code":"invalid","message":"bad key set"}}`, http.StatusBadRequest)
			return
		}
		puts.Add(1)
		io.WriteString(w, `{"keys":1}`)
	})
	hub := httptest.NewServer(mux)
	defer hub.Close()

	n := startServe(t, "--hub", hub.URL, "--hub-token", "peer-token", "--hub-key", base64.StdEncoding.EncodeToString(hubPub))
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := trust.Parse(get(t, n.api+"/trust", ""), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Region("CN-440100") != nil && got.Region("CN-330100") != nil && puts.Load() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: trust list regions %+v, %d key sets put", got.Regions, puts.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The list is held before it is written to the cache: wait for the file.
	waitFor(t, "the hub's list cached", func() bool {
		_, err := os.Stat(filepath.Join(n.store[1], "hub-trust.jws"))
		return err == nil
	})
}

// realHub is the hub itself (package hub behind its HTTP API) over the
// backend under test, with CN-330100 registered without keys and CN-440100
// with one, whose signer makes visitors' codes.
type realHub struct {
	url     string
	db      healthcode.HubStore
	reg     *hub.Registry
	pub     []byte
	peer    string // CN-330100's peer token
	visitor *hcode.Signer
}

func startHub(t *testing.T) *realHub {
	t.Helper()
	ctx := context.Background()
	db := storetest.MustOpenDB(t)
	g := hub.New(db)
	peer, err := g.AddRegion(ctx, &healthcode.Region{ID: "CN-330100", Name: "杭州市", Mode: healthcode.ModeLocal}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := hcode.GenerateKey(healthcode.AlgEdDSA)
	if _, err := g.AddRegion(ctx, &healthcode.Region{ID: "CN-440100", Name: "广州市", Mode: healthcode.ModeLocal},
		[]*healthcode.RegionKey{{Alg: healthcode.AlgEdDSA, PublicKey: pub}}); err != nil {
		t.Fatal(err)
	}
	visitor, err := hcode.NewSigner(healthcode.AlgEdDSA, priv)
	if err != nil {
		t.Fatal(err)
	}
	srv := hchttp.NewHubServer()
	srv.Hub, srv.Auth, srv.Ready = g, node.NewAuthService(db, storetest.TestBox(t), nil), db.Ping
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	_, hubPub, err := g.PublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &realHub{url: hs.URL, db: db, reg: g, pub: hubPub, peer: peer, visitor: visitor}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: not %s", what)
		}
	}
}

// TestNodeJoinsHub: serve --hub against the hub itself. The node's first
// key set is taken, its /api/v1/trust lists the hub's other region so a
// visitor's code verifies there, and once the hub's admin revokes that
// region's key, the code stops verifying at the node's next refresh.
func TestNodeJoinsHub(t *testing.T) {
	ctx := context.Background()
	h := startHub(t)
	n := startServe(t, "--hub", h.url, "--hub-token", h.peer, "--hub-key", base64.StdEncoding.EncodeToString(h.pub),
		"--hub-refresh", "100ms")
	now := time.Now()
	code, err := h.visitor.SignHealth(&hcode.HealthClaims{Issuer: "CN-440100", IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute),
		CTI: bytes.Repeat([]byte{1}, 16), Subject: bytes.Repeat([]byte{2}, 16), Colour: healthcode.Green, Name: "王*"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the hub holding the node's key and the node listing CN-440100", func() bool {
		held, _ := h.db.RegionKeys(ctx, "CN-330100")
		l, err := trust.Parse(get(t, n.api+"/trust", ""), nil)
		return err == nil && len(held) == 1 && l.Region("CN-440100") != nil
	})
	if v, exit := verifyCLI(t, "--trust", n.api+"/trust", code); exit != 0 {
		t.Fatalf("the visitor's code at the node: %v, want valid", v)
	}
	if err := h.reg.RevokeKey(ctx, "CN-440100", h.visitor.KID()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "refusing the code of a revoked key", func() bool {
		v, exit := verifyCLI(t, "--trust", n.api+"/trust", code)
		return exit == 1 && v["error"] == "key_revoked"
	})
}

// TestHubClientRotatesAtHub: after a rotation the hub takes the new key
// from the node only because an older key it holds signs the set; later
// sets, signed by the new key once the hub lists it, are taken too.
func TestHubClientRotatesAtHub(t *testing.T) {
	ctx := context.Background()
	h := startHub(t)
	keys := node.NewKeyRing(storetest.MustOpenDB(t))
	if err := keys.Ensure(ctx, healthcode.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	c := &node.HubClient{URL: h.url, Token: h.peer, HubKey: h.pub, Region: "CN-330100", Keys: keys,
		CodeLifetime: 5 * time.Minute, DataDir: t.TempDir(), Now: time.Now}
	round := func(step string, held int) {
		t.Helper()
		if err := c.PublishKeys(ctx); err != nil {
			t.Fatalf("%s: PublishKeys: %v", step, err)
		}
		if err := c.FetchTrust(ctx); err != nil {
			t.Fatalf("%s: FetchTrust: %v", step, err)
		}
		if got := len(c.List().Region("CN-330100").Keys); got != held {
			t.Fatalf("%s: the hub lists %d keys of the region, want %d", step, got, held)
		}
	}
	round("first set", 1)
	if _, err := keys.Rotate(ctx, healthcode.AlgES256); err != nil {
		t.Fatal(err)
	}
	round("after a rotation", 2)
	round("the new key signing", 2)
}
