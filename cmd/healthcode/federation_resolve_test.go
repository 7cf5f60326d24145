package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcode/healthcode/storetest"
)

// TestResolveViaHubAcrossProcesses is issue 6's way 2 over real
// processes: B (the backend under test) resolves A's codes through the
// hub. The hub asks A's node for the live status with the token A's admin
// made for it, and maps A's yellow to the national red; with A down it
// falls back on the code; with the hub down B denies A's codes.
func TestResolveViaHubAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes")
	}
	dir := t.TempDir()
	f := &federation{hubDir: filepath.Join(dir, "hub"), hubAddr: freeAddr(t)}
	f.hubKey = lastLine(t, runCommand(t, "hub", "key", "--data", f.hubDir))
	tokens := map[string]string{}
	for region, name := range map[string]string{"CN-330100": "杭州市", "CN-440100": "广州市"} {
		tokens[region] = lastLine(t, runCommand(t, "hub", "region", "add", "--id", region, "--name", name, "--mode", "local",
			"--data", f.hubDir))
	}
	aAddr, aStore := freeAddr(t), []string{"--data", filepath.Join(dir, "a")}
	// A's admin makes the hub a peer token; the hub's admin stores it off
	// the command line, with A's endpoint and colour map.
	forHub := lastLine(t, runCommand(t, append([]string{"token", "create", "--role", "peer", "--name", "hub"}, aStore...)...))
	stdin := hubStdin
	hubStdin = strings.NewReader(forHub + "\n")
	t.Cleanup(func() { hubStdin = stdin })
	runCommand(t, "hub", "region", "set-endpoint", "--id", "CN-330100", "--endpoint", "http://"+aAddr, "--endpoint-token", "-", "--data", f.hubDir)
	runCommand(t, "hub", "region", "set-map", "--id", "CN-330100", "--map", "yellow=red", "--data", f.hubDir)
	var row struct {
		EndpointToken bool              `json:"endpoint_token"`
		ColourMap     map[string]string `json:"colour_map"`
	}
	for _, line := range strings.Split(runCommand(t, "hub", "region", "list", "--data", f.hubDir), "\n") {
		if strings.Contains(line, `"CN-330100"`) {
			json.Unmarshal([]byte(line), &row)
		}
		if strings.Contains(line, forHub) {
			t.Fatalf("region list shows the endpoint token: %s", line)
		}
	}
	if !row.EndpointToken || row.ColourMap["yellow"] != "red" || len(row.ColourMap) != 1 {
		t.Fatalf("A as listed: %+v", row)
	}
	f.startHub(t)

	node := func(region, addr string, store []string, extra ...string) *federatedNode {
		p := startNodeProcess(t, addr, append(append(store, "--region", region, "--hub", "http://"+f.hubAddr,
			"--hub-token", tokens[region], "--hub-key", f.hubKey, "--hub-refresh", "500ms"), extra...))
		t.Cleanup(func() { p.stop(t) })
		return &federatedNode{nodeProcess: p, region: region, api: "http://" + addr + "/api/v1", store: store}
	}
	f.a = node("CN-330100", aAddr, aStore)
	bStore := []string{"--data", filepath.Join(dir, "b")}
	if dsn := storetest.MustDSN(t); dsn != "" {
		bStore = append(bStore, "--db", dsn)
	}
	f.b = node("CN-440100", freeAddr(t), bStore, "--resolve-via-hub", "CN-330100")
	_, gate := f.b.checkpoint(t)
	citizen := f.a.citizen(t, "13800138000", "11010519491231002X")

	// Green: passes at B on the hub's word, once A has published its key.
	green := f.a.code(t, citizen)
	var out map[string]any
	waitFor(t, "A's code resolved at B", func() bool {
		out = f.b.scan(t, gate, green)
		return out["verdict"] == "pass"
	})
	if out["colour"] != "green" || out["resolved_via"] != "hub" || out["region"] != "CN-330100" {
		t.Fatalf("A's green code at B: %v", out)
	}

	// A's resident declares a fever: yellow at A. The green code still on
	// their screen is judged live, and A's yellow is red in the nation.
	if code, resp := request(t, "POST", f.a.api+"/me/declarations", citizen, "",
		[]byte(`{"temperature":38.2,"symptoms":["fever"],"case_contact":"no"}`)); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("declaration: %d %v", code, resp)
	}
	if c := f.a.status(t, citizen)["colour"]; c != "yellow" {
		t.Fatalf("at A: %v", c)
	}
	out = f.b.scan(t, gate, green)
	if out["verdict"] != "deny" || out["colour"] != "red" || !hasReasons(out, "colour_not_allowed", "resolved_via_hub") {
		t.Fatalf("A's green code of a now yellow resident at B: %v", out)
	}

	// A down: the hub falls back on the code, a fresh yellow one: red.
	yellow := f.a.code(t, citizen)
	f.a.stop(t)
	out = f.b.scan(t, gate, yellow)
	if out["verdict"] != "deny" || out["colour"] != "red" || out["resolved_via"] != "hub" {
		t.Fatalf("A's yellow code with A down: %v", out)
	}

	// The hub down: A's codes are not trusted at B at all.
	f.hub.stop(t)
	out = f.b.scan(t, gate, yellow)
	if out["verdict"] != "deny" || !hasReasons(out, "hub_unavailable") {
		t.Fatalf("A's code with the hub down: %v", out)
	}
}

// hasReasons reports whether a scan answer's reasons are codes, in order.
func hasReasons(out map[string]any, codes ...string) bool {
	reasons, _ := out["reasons"].([]any)
	if len(reasons) != len(codes) {
		return false
	}
	for i, r := range reasons {
		m, _ := r.(map[string]any)
		if m["code"] != codes[i] {
			return false
		}
	}
	return true
}

// TestHubRegionWay2Flags: the colour map and the endpoint as the hub's
// admin sets them, and what is refused.
func TestHubRegionWay2Flags(t *testing.T) {
	store := []string{"--data", filepath.Join(t.TempDir(), "hub")}
	if dsn := storetest.MustDSN(t); dsn != "" {
		store = append(store, "--db", dsn)
	}
	runCommand(t, append([]string{"hub", "region", "add", "--id", "CN-440100", "--name", "广州市", "--mode", "local",
		"--map", "yellow=red", "--map", "green=green"}, store...)...)
	list := func() map[string]any {
		var row map[string]any
		json.Unmarshal([]byte(runCommand(t, append([]string{"hub", "region", "list"}, store...)...)), &row)
		return row
	}
	if row := list(); row["endpoint_token"] != false || !jsonEqual(row["colour_map"], `{"yellow":"red"}`) {
		t.Fatalf("as added: %v", row)
	}
	tests := []struct {
		args     []string
		exit     int
		endpoint string
		token    bool
		colours  string
	}{
		{[]string{"set-map", "--id", "CN-440100", "--map", "yellow=red", "--map", "green=yellow"}, 0, "", false, `{"green":"yellow","yellow":"red"}`},
		{[]string{"set-map", "--id", "CN-440100", "--map", "orange=red"}, 2, "", false, `{"green":"yellow","yellow":"red"}`},
		{[]string{"set-map", "--id", "CN-440100", "--map", "yellow=red", "--map", "yellow=green"}, 2, "", false, `{"green":"yellow","yellow":"red"}`},
		{[]string{"set-map", "--id", "CN-440100"}, 0, "", false, `{}`},
		{[]string{"set-map", "--id", "CN-999999", "--map", "red=red"}, 1, "", false, `{}`},
		{[]string{"set-endpoint", "--id", "CN-440100", "--endpoint-token", "t"}, 2, "", false, `{}`}, // a token without an endpoint
		{[]string{"set-endpoint", "--id", "CN-440100", "--endpoint", "gz.example"}, 2, "", false, `{}`},
		{[]string{"set-endpoint", "--id", "CN-440100", "--endpoint", "https://gz.example", "--endpoint-token", "t"}, 0, "https://gz.example", true, `{}`},
		{[]string{"set-endpoint", "--id", "CN-440100", "--endpoint", "https://gz2.example"}, 0, "https://gz2.example", true, `{}`},
		{[]string{"set-endpoint", "--id", "CN-440100", "--endpoint-token", ""}, 0, "https://gz2.example", false, `{}`},
	}
	for _, tt := range tests {
		_, errOut, exit := runCmd(append(append([]string{"hub", "region"}, tt.args...), store...)...)
		if exit != tt.exit {
			t.Errorf("%v: exit %d, want %d: %s", tt.args, exit, tt.exit, errOut)
		}
		row := list()
		endpoint, _ := row["endpoint"].(string)
		if endpoint != tt.endpoint || row["endpoint_token"] != tt.token || !jsonEqual(row["colour_map"], tt.colours) {
			t.Errorf("%v: then %v", tt.args, row)
		}
	}
}

func jsonEqual(v any, want string) bool {
	got, _ := json.Marshal(v)
	return string(got) == want
}
