package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/status"
	"github.com/healthcode/healthcode/storetest"
	"github.com/prometheus/client_golang/prometheus"
)

// hostedHub is a hub serving over httptest, with the regions it hosts
// brought up to date by the test's calls of Sync, not by a ticker.
type hostedHub struct {
	hosted *hostedRegions
	store  []string // --data and --db of the hub's store, for `healthcode hub …`
	url    string
	log    *lockedWriter
	reg    *prometheus.Registry
}

func startHostedHub(t *testing.T) *hostedHub {
	t.Helper()
	ctx := t.Context()
	data := filepath.Join(t.TempDir(), "hub")
	h := &hostedHub{store: []string{"--data", data}, log: &lockedWriter{w: &bytes.Buffer{}}}
	dsn := storetest.MustDSN(t)
	if dsn != "" {
		h.store = append(h.store, "--db", dsn)
	}
	db, box, err := openStore(ctx, storeFlags{data: &data, db: &dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := hub.New(db)
	_, pub, err := g.PublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.NationalKeys(ctx); err != nil {
		t.Fatal(err)
	}
	srv := hchttp.NewHubServer()
	srv.Hub, srv.National, srv.Auth, srv.Ready = g, g, node.NewAuthService(db, box, nil), db.Ping
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	logger := slog.New(slog.NewTextHandler(h.log, nil))
	reg := prometheus.NewRegistry()
	h.reg = reg
	h.hosted = &hostedRegions{Hub: g, HubAuth: srv.Auth, Box: box, DataDir: data, DBURL: dsn, Sender: node.LogSender{Logger: logger},
		Dev: true, Logger: logger, Registry: reg, Metrics: newHostedMetrics(reg), HubURL: ts.URL, HubKey: pub,
		Exchange: time.Second, Refresh: time.Minute, SweepEvery: time.Minute}
	srv.Hosted = h.hosted.Handler
	h.url = ts.URL
	t.Cleanup(func() {
		h.hosted.Close()
		if t.Failed() {
			h.log.mu.Lock()
			t.Logf("hub log:\n%s", h.log.w)
			h.log.mu.Unlock()
		}
	})
	return h
}

// addNational registers region, of mode national, in h's store, brings it
// up at the hub and returns its citizen API's base URL.
func (h *hostedHub) addNational(t *testing.T, region string) string {
	t.Helper()
	runCommand(t, append([]string{"hub", "region", "add", "--id", region, "--name", "乌鲁木齐市", "--mode", "national"}, h.store...)...)
	if err := h.hosted.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	return h.url + "/regions/" + region + "/api/v1"
}

func (h *hostedHub) logText() string {
	h.log.mu.Lock()
	defer h.log.mu.Unlock()
	return h.log.w.(*bytes.Buffer).String()
}

// settled waits until region's last policy change has settled and the
// recompute it started is done.
func (h *hostedHub) settled(t *testing.T, region string) *hostedStack {
	t.Helper()
	hs := h.hosted.get(region).current()
	select {
	case <-hs.settled:
	case <-time.After(10 * time.Second):
		t.Fatal("the policy change did not settle within 10 s")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := hs.st.Recompute.Wait(ctx); err != nil {
		t.Fatalf("the recompute of the new policy: %v", err)
	}
	return hs
}

// A hosted region's policy changed with `hub region set-policy` while the
// hub runs: at the next Sync its people are judged by it, their codes
// too, without a restart, and every stored status follows by a recompute.
// A stored policy that does not load leaves the region on the one it has,
// logged and counted.
func TestHostedRegionPolicyChange(t *testing.T) {
	const region = "CN-650100"
	h := startHostedHub(t)
	ctx := t.Context()
	api := h.addNational(t, region)

	// Two people declare a fever: yellow by the national default.
	citizen := func(phone, idNumber string) string {
		_, otp := request(t, "POST", api+"/auth/otp", "", "", fmt.Appendf(nil, `{"phone":%q}`, phone))
		var sess struct{ Token string }
		call(t, "POST", api+"/auth/session", "", fmt.Sprintf(`{"phone":%q,"otp":%q}`, phone, otp["dev_otp"]), 201, &sess)
		call(t, "PUT", api+"/me/profile", sess.Token, fmt.Sprintf(`{"name":"张三丰","id_type":"resident_id","id_number":%q}`, idNumber), 200, nil)
		call(t, "POST", api+"/me/declarations", sess.Token, `{"temperature":37.6,"symptoms":[],"case_contact":"no"}`, 201, nil)
		return sess.Token
	}
	reader := citizen("13900139000", "650102198001010012")
	citizen("13900139001", "650102198001010020") // never reads again: only the recompute judges them anew
	type judged struct {
		colour, version string
		lifetime        time.Duration
	}
	judge := func() judged {
		t.Helper()
		var st struct {
			Colour        string
			PolicyVersion string `json:"policy_version"`
		}
		call(t, "GET", api+"/me/status", reader, "", 200, &st)
		var code struct {
			Colour    string
			IssuedAt  time.Time `json:"issued_at"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		call(t, "GET", api+"/me/code", reader, "", 200, &code)
		if code.Colour != st.Colour {
			t.Fatalf("code %s, status %s", code.Colour, st.Colour)
		}
		return judged{st.Colour, st.PolicyVersion, code.ExpiresAt.Sub(code.IssuedAt)}
	}
	stored := func() map[string]int { // policy version → statuses stored under it
		t.Helper()
		db := h.hosted.get(region).db
		rows, err := db.SQL().QueryContext(ctx, `SELECT person_id FROM statuses`)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		versions := map[string]int{}
		for _, id := range ids {
			st, err := db.FindStatus(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			versions[st.PolicyVersion]++
		}
		return versions
	}
	changes := func(result string) float64 {
		t.Helper()
		families, err := h.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() != "healthcode_hub_hosted_policy_changes_total" {
				continue
			}
			for _, m := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				if labels["region"] == region && labels["result"] == result {
					return m.GetCounter().GetValue()
				}
			}
		}
		t.Fatalf("no healthcode_hub_hosted_policy_changes_total{region=%q,result=%q}", region, result)
		return 0
	}

	// Its own policy: a declared fever is red, a code lives 10 minutes.
	strict := string(status.DefaultPolicyJSON())
	for _, r := range [][2]string{
		{`"version": "CN-default-1"`, `"version": "XJ-2026-11"`},
		{`"declared_fever": "yellow"`, `"declared_fever": "red"`},
		{`"code_lifetime": "5m"`, `"code_lifetime": "10m"`},
	} {
		if strings.Count(strict, r[0]) != 1 {
			t.Fatalf("%s is not in the default policy once", r[0])
		}
		strict = strings.Replace(strict, r[0], r[1], 1)
	}
	strictFile := filepath.Join(t.TempDir(), "xj.json")
	if err := os.WriteFile(strictFile, []byte(strict), 0o600); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name   string
		change func()
		want   judged
		// stacks: whether Sync swapped a new stack in.
		swapped bool
		result  string // counted, "" for none
	}{
		{"hosted", func() {}, judged{"yellow", "CN-default-1", 5 * time.Minute}, false, ""},
		{"set-policy", func() {
			runCommand(t, append([]string{"hub", "region", "set-policy", "--id", region, "--policy", strictFile}, h.store...)...)
		}, judged{"red", "XJ-2026-11", 10 * time.Minute}, true, "applied"},
		{"a policy that does not load", func() {
			// Past the checks of set-policy: as a newer hub over the same
			// database might store it.
			bad := `{"version": "XJ-2026-12", "code_lifetime": "soon"}`
			if _, err := h.hosted.Hub.Store.UpdateRegion(ctx, region, healthcode.RegionUpdate{Policy: &bad}); err != nil {
				t.Fatal(err)
			}
		}, judged{"red", "XJ-2026-11", 10 * time.Minute}, false, "rejected"},
		{"back to the default", func() {
			runCommand(t, append([]string{"hub", "region", "set-policy", "--id", region}, h.store...)...)
		}, judged{"yellow", "CN-default-1", 5 * time.Minute}, true, "applied"},
	}
	counted := map[string]float64{}
	for _, step := range steps {
		before := h.hosted.get(region).current()
		step.change()
		err := h.hosted.Sync(ctx)
		if (err != nil) != (step.result == "rejected") {
			t.Fatalf("%s: Sync: %v", step.name, err)
		}
		if swapped := h.hosted.get(region).current() != before; swapped != step.swapped {
			t.Fatalf("%s: stack swapped %v, want %v", step.name, swapped, step.swapped)
		}
		if got := judge(); got != step.want {
			t.Fatalf("%s: judged %+v, want %+v", step.name, got, step.want)
		}
		if step.result != "" {
			counted[step.result]++
		}
		for _, result := range hostedPolicyResults {
			if got := changes(result); got != counted[result] {
				t.Errorf("%s: %s changes counted %v, want %v", step.name, result, got, counted[result])
			}
		}
		if step.swapped {
			// The old stack's jobs are over; the recompute judged the one
			// who did not read by the new policy too.
			ended := make(chan struct{})
			go func() {
				before.st.jobs.Wait()
				close(ended)
			}()
			select {
			case <-ended:
			case <-time.After(time.Second):
				t.Errorf("%s: the old stack's jobs still run", step.name)
			}
			h.settled(t, region)
			if got := stored(); got[step.want.version] != 2 || len(got) != 1 {
				t.Errorf("%s: stored statuses by policy %v, want both under %s", step.name, got, step.want.version)
			}
		}
	}
	log := h.logText()
	for _, want := range []string{
		`msg="hosted region: judged by its new policy" region=CN-650100 old_policy=CN-default-1 new_policy=XJ-2026-11`,
		`msg="hosted region: its new policy does not load; it is judged by the one it has" region=CN-650100 policy=XJ-2026-11 err=`,
		`code_lifetime`, // the reason
		`msg="hosted region: judged by its new policy" region=CN-650100 old_policy=XJ-2026-11 new_policy=CN-default-1`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the hub's log lacks %q", want)
		}
	}
}

// A request that reached a hosted region's stack ends on it when another
// is swapped in meanwhile; the next reaches the new one, and the old one's
// requests are waited for before it retires.
func TestHostedRegionSwapKeepsRequestsInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	old := &hostedStack{handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.Write([]byte("old"))
	})}
	next := &hostedStack{handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("new")) })}
	hr := &hostedRegion{stack: old}
	serve := func() string {
		rec := httptest.NewRecorder()
		hr.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/me/status", nil))
		return rec.Body.String()
	}
	var inFlight string
	var wg sync.WaitGroup
	wg.Go(func() { inFlight = serve() })
	<-entered
	hr.mu.Lock()
	hr.stack = next
	hr.mu.Unlock()
	if got := serve(); got != "new" {
		t.Fatalf("a request after the swap reached %q", got)
	}
	retired := make(chan struct{})
	go func() {
		old.inflight.Wait()
		close(retired)
	}()
	select {
	case <-retired:
		t.Fatal("the old stack retired with a request in flight")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	wg.Wait()
	<-retired
	if inFlight != "old" {
		t.Fatalf("the request in flight was answered %q", inFlight)
	}
}
