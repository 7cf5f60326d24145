package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/healthcode/healthcode/storetest"
)

// federation is a hub and two region nodes, each a process of its own on
// 127.0.0.1: A (Hangzhou) on SQLite, B (Guangzhou) on the backend under
// test, so on PostgreSQL in CI; and C (Ürümqi), of mode national, with no
// node: the hub hosts it (way 3).
type federation struct {
	hubDir, hubAddr string
	hubKey          string
	hub             *nodeProcess
	a, b            *federatedNode
	c               *federatedNode // its API at the hub; no process of its own
	tokens          map[string]string
	hubDB           []string // --db of the hub, when on PostgreSQL
}

// federatedNode is a node process with what the test drives it by.
type federatedNode struct {
	*nodeProcess
	region string
	api    string
	store  []string
}

// startFederation registers A and B at a new hub and starts the three.
func startFederation(t *testing.T) *federation {
	t.Helper()
	dir := t.TempDir()
	f := &federation{hubDir: filepath.Join(dir, "hub"), hubAddr: freeAddr(t), tokens: map[string]string{}}
	// The hub on the backend under test too: with PostgreSQL, a region it
	// hosts has a schema of its own beside the hub's.
	if dsn := storetest.MustDSN(t); dsn != "" {
		f.hubDB = []string{"--db", dsn}
	}
	f.hubKey = lastLine(t, f.hubCommand(t, "key"))
	tokens := f.tokens
	for region, name := range map[string]string{"CN-330100": "杭州市", "CN-440100": "广州市"} {
		tokens[region] = lastLine(t, f.hubCommand(t, "region", "add", "--id", region, "--name", name, "--mode", "local"))
	}
	const national = "CN-650100"
	tokens[national] = lastLine(t, f.hubCommand(t, "region", "add", "--id", national, "--name", "乌鲁木齐市", "--mode", "national"))
	f.startHub(t)
	f.c = &federatedNode{region: national, api: "http://" + f.hubAddr + "/regions/" + national + "/api/v1"}
	node := func(region string, store []string) *federatedNode {
		addr := freeAddr(t)
		p := startNodeProcess(t, addr, append(store, "--region", region, "--hub", "http://"+f.hubAddr,
			"--hub-token", tokens[region], "--hub-key", f.hubKey, "--hub-refresh", "500ms", "--hub-exchange", "300ms"))
		t.Cleanup(func() { p.stop(t) })
		return &federatedNode{nodeProcess: p, region: region, api: "http://" + addr + "/api/v1", store: store}
	}
	f.a = node("CN-330100", []string{"--data", filepath.Join(dir, "a")})
	bStore := []string{"--data", filepath.Join(dir, "b")}
	if dsn := storetest.MustDSN(t); dsn != "" {
		bStore = append(bStore, "--db", dsn)
	}
	f.b = node("CN-440100", bStore)
	return f
}

func (f *federation) startHub(t *testing.T) {
	t.Helper()
	f.hub = startProcess(t, "http://"+f.hubAddr+"/healthz", append([]string{"hub", "--addr", f.hubAddr, "--data", f.hubDir,
		"--log-level", "warn", "--dev", "--exchange", "300ms"}, f.hubDB...)...)
	hub := f.hub
	t.Cleanup(func() { hub.stop(t) })
}

// hubCommand runs `healthcode hub ARGS…` on the hub's store.
func (f *federation) hubCommand(t *testing.T, args ...string) string {
	t.Helper()
	return runCommand(t, append(append(append([]string{"hub"}, args...), "--data", f.hubDir), f.hubDB...)...)
}

// startProcess starts `healthcode ARGS…` as a process and waits until
// health answers 200 (15 s at most: a node restarted after a kill first
// recovers its store).
func startProcess(t *testing.T, health string, args ...string) *nodeProcess {
	t.Helper()
	return startProcessEnv(t, health, nil, args...)
}

// startProcessEnv is startProcess with env added to the process's
// environment.
func startProcessEnv(t *testing.T, health string, env []string, args ...string) *nodeProcess {
	t.Helper()
	p := &nodeProcess{log: &lockedWriter{w: &bytes.Buffer{}}, exited: make(chan struct{})}
	p.cmd = helperCommand(args...)
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		select {
		case <-p.exited:
			t.Fatalf("%s exited (%v) before it was healthy:\n%s", args[0], p.err, p.logText())
		default:
		}
		if resp, err := http.Get(health); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			p.cmd.Process.Kill()
			t.Fatalf("%s not healthy after 15 s:\n%s", args[0], p.logText())
		}
	}
}

// stop ends the process (SIGKILL; a no-op when it has ended) and shows
// its log when the test failed.
func (p *nodeProcess) stop(t *testing.T) {
	p.cmd.Process.Kill()
	<-p.exited
	if t.Failed() {
		t.Logf("%s log:\n%s", p.cmd.Args, p.logText())
	}
}

// runCommand runs `healthcode ARGS…` in this process and returns its
// standard output (where commands print tokens and keys), failing the test
// on a non-zero exit.
func runCommand(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(t.Context(), args, &out, &errOut); code != 0 {
		t.Fatalf("healthcode %s: exit %d: %s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	return out.String()
}

func lastLine(t *testing.T, s string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// citizen signs a person of the node in with a profile and a declaration
// and returns their session token.
func (n *federatedNode) citizen(t *testing.T, phone, idNumber string) string {
	t.Helper()
	_, otp := request(t, "POST", n.api+"/auth/otp", "", "", []byte(`{"phone":"`+phone+`"}`))
	_, sess := request(t, "POST", n.api+"/auth/session", "", "", fmt.Appendf(nil, `{"phone":%q,"otp":%q}`, phone, otp["dev_otp"]))
	token, _ := sess["token"].(string)
	if code, out := request(t, "PUT", n.api+"/me/profile", token, "", fmt.Appendf(nil,
		`{"name":"张三丰","id_type":"resident_id","id_number":%q}`, idNumber)); code != http.StatusOK {
		t.Fatalf("profile at %s: %d %v", n.region, code, out)
	}
	if code, out := request(t, "POST", n.api+"/me/declarations", token, "",
		[]byte(`{"temperature":36.6,"symptoms":[],"case_contact":"no"}`)); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("declaration at %s: %d %v", n.region, code, out)
	}
	return token
}

func (n *federatedNode) code(t *testing.T, citizen string) string {
	t.Helper()
	_, out := request(t, "GET", n.api+"/me/code", citizen, "", nil)
	code, _ := out["code"].(string)
	if code == "" {
		t.Fatalf("no code at %s: %v", n.region, out)
	}
	return code
}

func (n *federatedNode) status(t *testing.T, citizen string) map[string]any {
	t.Helper()
	_, out := request(t, "GET", n.api+"/me/status", citizen, "", nil)
	return out
}

// checkpoint makes a mall at the node and returns a health token and the
// token of a checkpoint there.
func (n *federatedNode) checkpoint(t *testing.T) (health, gate string) {
	t.Helper()
	health = lastLine(t, runCommand(t, append([]string{"token", "create", "--role", "health", "--name", "cdc"}, n.store...)...))
	_, v := request(t, "POST", n.api+"/venues", health, "", []byte(`{"name":"天河城","kind":"mall","division":"440106","address":"天河路208号"}`))
	id, _ := v["id"].(string)
	_, d := request(t, "POST", n.api+"/venues/"+id+"/devices", health, "", []byte(`{"name":"gate"}`))
	gate, _ = d["token"].(string)
	if id == "" || gate == "" {
		t.Fatalf("checkpoint at %s: %v %v", n.region, v, d)
	}
	return health, gate
}

func (n *federatedNode) scan(t *testing.T, gate, code string) map[string]any {
	t.Helper()
	_, out := request(t, "POST", n.api+"/scans", gate, "", fmt.Appendf(nil, `{"code":%q,"direction":"in"}`, code))
	return out
}

// trustJSON is the node's /api/v1/trust.
func (n *federatedNode) trustJSON(t *testing.T) []byte {
	t.Helper()
	resp, err := http.Get(n.api + "/trust")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kidOf is the first key id the node's trust list holds for region.
func (n *federatedNode) kidOf(t *testing.T, region string) string {
	t.Helper()
	var l struct {
		Regions []struct {
			ID   string `json:"id"`
			Keys []struct {
				KID     string `json:"kid"`
				Revoked bool   `json:"revoked"`
			} `json:"keys"`
		} `json:"regions"`
	}
	if err := json.Unmarshal(n.trustJSON(t), &l); err != nil {
		t.Fatal(err)
	}
	for _, r := range l.Regions {
		if r.ID == region && len(r.Keys) > 0 && !r.Keys[0].Revoked {
			return r.Keys[0].KID
		}
	}
	return ""
}

// TestFederationAcrossProcesses is issue 6's way 1 over real processes:
// a hub, region A's node (SQLite) and region B's (the backend under test).
// A's code passes at B's checkpoint online and offline from B's trust
// list; a test taken in B by A's resident turns their A status red within
// seconds; with the hub down, scans at A and B still pass and a record B
// forwards meanwhile reaches A once the hub is back; a key of A revoked at
// the hub stops verifying at B after B's next refresh.
func TestFederationAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes")
	}
	f := startFederation(t)
	const resident = "11010519491231002X"
	citizen := f.a.citizen(t, "13800138000", resident)
	waitFor(t, "B's trust list naming A's key", func() bool { return f.b.kidOf(t, f.a.region) != "" })
	bHealth, bGate := f.b.checkpoint(t)
	_, aGate := f.a.checkpoint(t)

	// Online at B's checkpoint, and offline from B's trust list.
	code := f.a.code(t, citizen)
	if out := f.b.scan(t, bGate, code); out["verdict"] != "pass" || out["colour"] != "green" {
		t.Fatalf("A's code at B: %v", out)
	}
	trustFile := filepath.Join(t.TempDir(), "trust.json")
	if err := os.WriteFile(trustFile, f.b.trustJSON(t), 0o600); err != nil {
		t.Fatal(err)
	}
	var verdict map[string]any
	if err := json.Unmarshal([]byte(runCommand(t, "verify", "--trust", trustFile, code)), &verdict); err != nil ||
		verdict["valid"] != true || verdict["region"] != f.a.region {
		t.Fatalf("A's code offline from B's list: %v (%v)", verdict, err)
	}

	// B asks the hub about A's code (way 2): a national status the hub
	// signs, bound to the code.
	if st := f.resolve(t, f.b.region, code); st["valid"] != true || st["region"] != f.a.region || st["colour"] != "green" {
		t.Fatalf("A's code resolved by B at the hub: %v", st)
	}

	// A's resident gets a national code through A's node (way 2's
	// exchange, asked by the node with its peer token), which passes at B.
	waitFor(t, "B's trust list naming region CN", func() bool { return f.b.kidOf(t, "CN") != "" })
	status, national := request(t, "GET", f.a.api+"/me/national-code", citizen, "", nil)
	nationalCode, _ := national["code"].(string)
	if status != http.StatusOK || national["region"] != "CN" || national["home"] != f.a.region || national["colour"] != "green" {
		t.Fatalf("A's resident's national code from A: %d %v", status, national)
	}
	if out := f.b.scan(t, bGate, nationalCode); out["verdict"] != "pass" || out["region"] != f.a.region {
		t.Fatalf("A's resident's national code at B: %v", out)
	}

	// C has no node (way 3): its people sign in at the hub and get national
	// codes, judged by C's policy, which pass at A's checkpoint.
	const cResident = "650102199001011239"
	cCitizen := f.c.citizen(t, "13900139000", cResident)
	cCode := f.c.code(t, cCitizen)
	waitFor(t, "A's trust list naming region CN", func() bool { return f.a.kidOf(t, "CN") != "" })
	if out := f.a.scan(t, aGate, cCode); out["verdict"] != "pass" || out["colour"] != "green" {
		t.Fatalf("C's national code at A: %v", out)
	}
	if err := json.Unmarshal([]byte(runCommand(t, "verify", "--trust", trustFile, cCode)), &verdict); err != nil ||
		verdict["valid"] != true || verdict["region"] != "CN" || verdict["home"] != f.c.region {
		t.Fatalf("C's code offline from B's list: %v (%v)", verdict, err)
	}
	// C pushes its own records to the hub with its peer token.
	vaccC := "id,id_number,product,dose,date\nvc-1," + cResident + ",BBIBP-CorV,1,2026-10-01\n"
	if status, out := request(t, "POST", f.c.api+"/records/vaccinations", f.tokens[f.c.region], "text/csv", []byte(vaccC)); status != http.StatusOK ||
		out["accepted"] != float64(1) {
		t.Fatalf("C's push: %d %v", status, out)
	}
	if st := f.c.status(t, cCitizen); st["doses"] != float64(1) {
		t.Fatalf("C's resident after C's push: %v", st)
	}
	if status, out := request(t, "POST", f.c.api+"/records/vaccinations", f.tokens[f.a.region], "text/csv", []byte(vaccC)); status != http.StatusUnauthorized {
		t.Fatalf("A's peer token pushing C's data: %d %v", status, out)
	}

	// A test taken in B by A's resident reaches A.
	sampled := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	csv := "id,id_number,sampled_at,reported_at,result,lab,home_region\nt-1," + resident + "," + sampled + "," + sampled +
		",positive,Canton Lab," + f.a.region + "\n"
	if status, out := request(t, "POST", f.b.api+"/records/tests", bHealth, "text/csv", []byte(csv)); status != http.StatusOK ||
		out["forwarded"] != float64(1) {
		t.Fatalf("B's import: %d %v", status, out)
	}
	start := time.Now()
	waitFor(t, "A's resident red after B's test", func() bool { return f.a.status(t, citizen)["colour"] == "red" })
	t.Logf("B's test reached A's status in %s", time.Since(start).Round(10*time.Millisecond))

	// A test taken in B by C's resident reaches C at the hub (way 1), and
	// C's next code is denied at A.
	csv = "id,id_number,sampled_at,reported_at,result,lab,home_region\nt-2," + cResident + "," + sampled + "," + sampled +
		",positive,Canton Lab," + f.c.region + "\n"
	if status, out := request(t, "POST", f.b.api+"/records/tests", bHealth, "text/csv", []byte(csv)); status != http.StatusOK ||
		out["forwarded"] != float64(1) {
		t.Fatalf("B's import for C: %d %v", status, out)
	}
	waitFor(t, "C's resident red after B's test", func() bool { return f.c.status(t, cCitizen)["colour"] == "red" })
	if out := f.a.scan(t, aGate, f.c.code(t, cCitizen)); out["verdict"] != "deny" || out["colour"] != "red" {
		t.Fatalf("C's red code at A: %v", out)
	}

	// The hub goes down: scans go on, and B's next record waits for it.
	f.hub.stop(t)
	code = f.a.code(t, citizen)
	if out := f.b.scan(t, bGate, code); out["verdict"] != "deny" || out["colour"] != "red" {
		t.Fatalf("A's red code at B with the hub down: %v, want a verified deny", out)
	}
	other := f.a.citizen(t, "13800138001", "110105199001010010")
	if out := f.a.scan(t, aGate, f.a.code(t, other)); out["verdict"] != "pass" {
		t.Fatalf("a scan at A with the hub down: %v", out)
	}
	vacc := "id,id_number,product,dose,date,home_region\nv-1,110105199001010010,BBIBP-CorV,1,2026-10-01," + f.a.region + "\n"
	if status, out := request(t, "POST", f.b.api+"/records/vaccinations", bHealth, "text/csv", []byte(vacc)); status != http.StatusOK ||
		out["forwarded"] != float64(1) {
		t.Fatalf("B's import with the hub down: %d %v", status, out)
	}
	time.Sleep(time.Second) // a few sends fail meanwhile
	f.startHub(t)
	waitFor(t, "the vaccination B forwarded while the hub was down, at A", func() bool {
		return f.a.status(t, other)["doses"] == float64(1)
	})

	// A key of A revoked at the hub stops verifying at B.
	kid := f.b.kidOf(t, f.a.region)
	f.hubCommand(t, "region", "revoke-key", "--id", f.a.region, "--kid", kid)
	code = f.a.code(t, other)
	waitFor(t, "A's revoked key refused at B", func() bool { return f.b.scan(t, bGate, code)["verdict"] == "deny" })
}

// resolve asks the hub about code with region's peer token (way 2) and
// returns the status it signed, checked with the hub's key and bound to
// code.
func (f *federation) resolve(t *testing.T, region, code string) map[string]any {
	t.Helper()
	status, out := request(t, "POST", "http://"+f.hubAddr+"/hub/v1/resolve", f.tokens[region], "", fmt.Appendf(nil, `{"code":%q}`, code))
	signed, _ := out["signed"].(string)
	if status != http.StatusOK || signed == "" {
		t.Fatalf("resolve at the hub: %d %v", status, out)
	}
	jws, err := jose.ParseSigned(signed, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := base64.StdEncoding.DecodeString(f.hubKey)
	payload, err := jws.Verify(ed25519.PublicKey(key))
	if err != nil {
		t.Fatalf("the hub's answer does not verify with its key: %v", err)
	}
	var st map[string]any
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(code))
	if st["iss"] != "CN" || st["code_sha256"] != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Fatalf("the hub's answer is not about this code: %v", st)
	}
	return st
}
