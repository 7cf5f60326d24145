package node_test

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/trust"
	"github.com/healthcode/healthcode/verify"
)

// BenchmarkHubTrustFetch fetches a trust list of 400 regions with 4 keys
// each from a hub on 127.0.0.1, checks its signature, keeps it (the cache
// file written) and indexes it for verification: what a node does at each
// refresh when the list changed (issue 6: under 5 ms). "refresh" serves a
// new list each time, signed again with one region's key rotated, to a
// node that held the one before; "first" to a node that held none.
//
//	go test ./node -run '^$' -bench HubTrustFetch
func BenchmarkHubTrustFetch(b *testing.B) {
	hubPub, hubPriv, _ := ed25519.GenerateKey(nil)
	now := time.Now().UTC().Truncate(time.Second)
	list := &trust.List{Version: 1, IssuedAt: now, Issuer: "CN"}
	for r := range 400 {
		region := trust.Region{ID: fmt.Sprintf("CN-%06d", 110000+r*100), Name: "市", Mode: trust.ModeLocal,
			Endpoint: fmt.Sprintf("https://hc.region%d.example", r)}
		for k := range 4 {
			alg := healthcode.AlgEdDSA
			if k == 3 {
				alg = healthcode.AlgES256
			}
			pub, _, err := hcode.GenerateKey(alg)
			if err != nil {
				b.Fatal(err)
			}
			region.Keys = append(region.Keys, trust.Key{KID: hcode.KID(alg, pub), Alg: alg, PublicKey: pub,
				NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), Revoked: k == 0})
		}
		list.Regions = append(list.Regions, region)
	}
	// Lists in turn, each with one more region's first key replaced.
	lists := make([]string, 64)
	for i := range lists {
		r := &list.Regions[i*6%len(list.Regions)]
		pub, _, _ := hcode.GenerateKey(healthcode.AlgEdDSA)
		r.Keys[0] = trust.Key{KID: hcode.KID(healthcode.AlgEdDSA, pub), Alg: healthcode.AlgEdDSA, PublicKey: pub, NotBefore: now}
		list.IssuedAt = now.Add(time.Duration(i) * time.Second)
		jws, err := trust.SignJWS(list, hubPriv, trust.HubKID(hubPub))
		if err != nil {
			b.Fatal(err)
		}
		lists[i] = jws
	}
	var served int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jose")
		io.WriteString(w, lists[served%len(lists)])
	}))
	defer srv.Close()
	// The cache file is written after the list is in use; its fsync is
	// the disk's time, not the refresh's: HEALTHCODE_BENCH_DIR=/dev/shm
	// leaves it out.
	dir := func() string {
		if d := os.Getenv("HEALTHCODE_BENCH_DIR"); d != "" {
			d, err := os.MkdirTemp(d, "hub-bench-")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
		return b.TempDir()
	}
	newClient := func() *node.HubClient {
		return &node.HubClient{URL: srv.URL, Token: "t", HubKey: hubPub, Region: "CN-330100", DataDir: dir(),
			HTTP: srv.Client(), Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
	}
	// The verifier is rebuilt from the one before, as a node's
	// TrustDocument does: the regions the list repeats keep their keys.
	var v *verify.Verifier
	fetch := func(b *testing.B, client *node.HubClient) {
		if err := client.FetchTrust(b.Context()); err != nil {
			b.Fatal(err)
		}
		var err error
		if v, err = verify.NewVerifierFrom(v, client.List()); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("refresh", func(b *testing.B) {
		client := newClient()
		fetch(b, client)
		b.SetBytes(int64(len(lists[0])))
		for b.Loop() {
			served++
			if served%len(lists) == 0 { // the lists come round again: a new node
				b.StopTimer()
				client, v = newClient(), nil
				fetch(b, client)
				served++
				b.StartTimer()
			}
			fetch(b, client)
		}
	})
	b.Run("first", func(b *testing.B) {
		b.SetBytes(int64(len(lists[0])))
		for b.Loop() {
			b.StopTimer()
			client := newClient()
			v = nil
			b.StartTimer()
			fetch(b, client)
		}
	})
}
