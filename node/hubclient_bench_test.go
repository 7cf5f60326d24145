package node_test

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
// refresh when the list changed (issue 6: under 5 ms).
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
	jws, err := trust.SignJWS(list, hubPriv, trust.HubKID(hubPub))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jose")
		io.WriteString(w, jws)
	}))
	defer srv.Close()
	client := &node.HubClient{URL: srv.URL, Token: "t", HubKey: hubPub, Region: "CN-330100", DataDir: b.TempDir(),
		HTTP: srv.Client(), Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
	ctx := b.Context()
	b.SetBytes(int64(len(jws)))
	for b.Loop() {
		if err := client.FetchTrust(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := verify.NewVerifier(client.List()); err != nil {
			b.Fatal(err)
		}
	}
}
