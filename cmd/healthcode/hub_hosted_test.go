package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// TestHubOTPSetUp: how a hub that hosts a region of mode national sends
// its people's one-time passwords, as its log says at the start: --dev is
// announced as serve announces it, with an SMS gateway too (the password is
// answered as dev_otp either way); no gateway and no --dev leaves the
// region's people unable to sign in, which is said at the start rather
// than found at the first sign-in; a gateway URL that is not one is
// refused before anything starts.
func TestHubOTPSetUp(t *testing.T) {
	t.Setenv("HEALTHCODE_DEV", "")
	t.Setenv("HEALTHCODE_OTP_WEBHOOK", "")
	store := []string{"--data", filepath.Join(t.TempDir(), "hub")}
	if dsn := storetest.MustDSN(t); dsn != "" {
		store = append(store, "--db", dsn)
	}
	runCommand(t, append([]string{"hub", "region", "add", "--id", "CN-650100", "--name", "乌鲁木齐市", "--mode", "national"}, store...)...)
	var mu sync.Mutex
	var sent []string // the phones the gateway was asked to text
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Phone string }
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		sent = append(sent, body.Phone)
		mu.Unlock()
	}))
	t.Cleanup(gateway.Close)

	const devWarning, noSignIn = "DEVELOPMENT MODE", "its people cannot sign in"
	for i, tc := range []struct {
		name    string
		flags   []string
		exit    int    // 2: refused before it starts; else it serves
		says    string // in the log or, refused, stderr
		notSays string
		otp     int  // the status of a password request for the region
		devOTP  bool // answered with dev_otp
		texted  bool // sent through the gateway
	}{
		{"dev and a gateway", []string{"--dev", "--otp-webhook", gateway.URL}, 0, devWarning, noSignIn, 200, true, true},
		{"dev alone", []string{"--dev"}, 0, devWarning, noSignIn, 200, true, false},
		{"a gateway alone", []string{"--otp-webhook", gateway.URL}, 0, "hosting region", devWarning, 200, false, true},
		{"neither", nil, 0, noSignIn, devWarning, 503, false, false},
		{"a gateway without a scheme", []string{"--otp-webhook", "sms.example/send"}, 2, "--otp-webhook: must be", "", 0, false, false},
		{"a gateway of another scheme", []string{"--otp-webhook", "ftp://sms.example/send"}, 2, "--otp-webhook: must be", "", 0, false, false},
		{"a gateway without a host", []string{"--otp-webhook", "https:///send"}, 2, "--otp-webhook: must be", "", 0, false, false},
	} {
		// A phone of each case: a password sent uses up the phone's
		// resend window.
		phone := fmt.Sprintf("1380013%04d", i)
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			sent = nil
			mu.Unlock()
			addr := freeAddr(t)
			args := append(append([]string{"hub", "--addr", addr, "--log-level", "info"}, tc.flags...), store...)
			if tc.exit != 0 {
				// Within a time: a hub that starts serves until it is stopped.
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				var errb bytes.Buffer
				exit := run(ctx, args, io.Discard, &errb)
				if errOut := errb.String(); exit != tc.exit || !strings.Contains(errOut, tc.says) {
					t.Fatalf("exit %d, stderr %q; want exit %d saying %q", exit, errOut, tc.exit, tc.says)
				}
				return
			}
			ctx, cancel := context.WithCancel(t.Context())
			exited := make(chan int, 1)
			log := &lockedWriter{w: &bytes.Buffer{}}
			go func() { exited <- run(ctx, args, io.Discard, log) }()
			logText := func() string {
				log.mu.Lock()
				defer log.mu.Unlock()
				return log.w.(*bytes.Buffer).String()
			}
			defer func() {
				cancel()
				select {
				case <-exited:
				case <-time.After(15 * time.Second):
					t.Error("the hub did not stop")
				}
				if t.Failed() {
					t.Logf("hub log:\n%s", logText())
				}
			}()
			base := "http://" + addr
			waitHealthy(t, base, exited)
			// The regions are hosted before the hub serves: all is logged.
			if l := logText(); !strings.Contains(l, tc.says) || tc.notSays != "" && strings.Contains(l, tc.notSays) {
				t.Fatalf("the log does not say %q, or says %q", tc.says, tc.notSays)
			}
			resp, err := http.Post(base+"/regions/CN-650100/api/v1/auth/otp", "application/json", strings.NewReader(`{"phone":"`+phone+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			var answer struct {
				DevOTP string `json:"dev_otp"`
			}
			json.NewDecoder(resp.Body).Decode(&answer)
			resp.Body.Close()
			mu.Lock()
			texted := len(sent) == 1 && sent[0] == phone
			mu.Unlock()
			if resp.StatusCode != tc.otp || (answer.DevOTP != "") != tc.devOTP || texted != tc.texted {
				t.Fatalf("password request: %d, dev_otp %q, texted %v; want %d, dev_otp %v, texted %v",
					resp.StatusCode, answer.DevOTP, texted, tc.otp, tc.devOTP, tc.texted)
			}
		})
	}
}
