package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gctune"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/storetest"
)

// BenchmarkHubResolveHTTP is POST /hub/v1/resolve as a peer calls it: a
// hub on 127.0.0.1 holding 400 regions, the peer's token checked, the
// code verified offline (its region has no endpoint), the colour mapped,
// the answer signed and written; clients on keep-alive connections, eight
// per core, in the same process. Target (issue 6): ≥ 5,000 resolves/s.
//
//	go test ./http -run '^$' -bench HubResolveHTTP -count 5
func BenchmarkHubResolveHTTP(b *testing.B) {
	gctune.Serve()
	ctx := context.Background()
	db := storetest.MustOpenDB(b)
	g := hub.New(db)
	now := time.Now().Truncate(time.Second)
	signer := hubtest.AddRegions(b, g, 400)
	peer, err := g.AddRegion(ctx, &healthcode.Region{ID: "CN-330100", Name: "杭州市", Mode: healthcode.ModeLocal}, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := NewHubServer()
	srv.Hub, srv.National, srv.Auth, srv.Ready = g, g, node.NewAuthService(db, storetest.TestBox(b), nil), db.Ping
	srv.Resolver = hub.NewResolver(g)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	client := ts.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64

	body, _ := json.Marshal(map[string]string{"code": signer.Code(b, now, healthcode.Yellow, false)})
	resolve := func() error {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/hub/v1/resolve", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+peer)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		var answer struct {
			Status struct {
				Valid  bool   `json:"valid"`
				Colour string `json:"colour"`
			} `json:"status"`
			Signed string `json:"signed"`
		}
		err = json.NewDecoder(resp.Body).Decode(&answer)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			return err
		case resp.StatusCode != http.StatusOK || !answer.Status.Valid || answer.Status.Colour != "red" || answer.Signed == "":
			return fmt.Errorf("resolve: %s %+v", resp.Status, answer)
		}
		return nil
	}
	if err := resolve(); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := resolve(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "resolves/s")
}
