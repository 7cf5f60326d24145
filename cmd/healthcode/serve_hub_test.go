package main

import (
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
	"github.com/healthcode/healthcode/trust"
)

// TestServeHubFlags: --hub, --hub-token and --hub-key come together, and a
// mistake is named before the node starts.
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
	if _, err := os.Stat(filepath.Join(n.store[1], "hub-trust.jws")); err != nil {
		t.Errorf("the hub's list is not cached: %v", err)
	}
}
