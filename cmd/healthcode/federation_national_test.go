package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestNationalCodeAcrossProcesses is issue 6's national code over real
// processes: A's resident exchanges a fresh code of A at the hub
// (POST /hub/v1/exchange, no token) for a national code, iss CN and home
// A; B, which follows the hub, passes it at its checkpoint, and
// `healthcode verify` finds it valid offline from B's trust list; at A
// it is its own resident's, judged by the live status.
func TestNationalCodeAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes")
	}
	f := startFederation(t)
	citizen := f.a.citizen(t, "13800138000", "11010519491231002X")
	waitFor(t, "B's trust list naming A's key and region CN's", func() bool {
		return f.b.kidOf(t, f.a.region) != "" && f.b.kidOf(t, "CN") != ""
	})
	_, bGate := f.b.checkpoint(t)
	_, aGate := f.a.checkpoint(t)

	status, out := request(t, "POST", "http://"+f.hubAddr+"/hub/v1/exchange", "", "",
		fmt.Appendf(nil, `{"code":%q}`, f.a.code(t, citizen)))
	national, _ := out["code"].(string)
	if status != http.StatusOK || national == "" || out["region"] != "CN" || out["home"] != f.a.region || out["colour"] != "green" {
		t.Fatalf("exchange at the hub: %d %v", status, out)
	}
	if status, out := request(t, "POST", "http://"+f.hubAddr+"/hub/v1/exchange", "", "",
		fmt.Appendf(nil, `{"code":%q}`, national)); status != http.StatusBadRequest {
		t.Fatalf("a national code exchanged again: %d %v", status, out)
	}

	if out := f.b.scan(t, bGate, national); out["verdict"] != "pass" || out["colour"] != "green" {
		t.Fatalf("the national code at B: %v", out)
	}
	trustFile := filepath.Join(t.TempDir(), "trust.json")
	if err := os.WriteFile(trustFile, f.b.trustJSON(t), 0o600); err != nil {
		t.Fatal(err)
	}
	var verdict map[string]any
	if err := json.Unmarshal([]byte(runCommand(t, "verify", "--trust", trustFile, national)), &verdict); err != nil ||
		verdict["valid"] != true || verdict["region"] != "CN" || verdict["home"] != f.a.region {
		t.Fatalf("the national code offline from B's list: %v (%v)", verdict, err)
	}
	waitFor(t, "A's trust list naming region CN", func() bool { return f.a.kidOf(t, "CN") != "" })
	if out := f.a.scan(t, aGate, national); out["verdict"] != "pass" {
		t.Fatalf("the national code at A, its holder's home: %v", out)
	}
}
