package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcode/healthcode/storetest"
)

// TestHubKeysCommand: region CN's keys from the command line: the first
// is made on first use and signs; a rotation lists the new key, which
// waits out its lead while the old one signs; a revoked key says so.
func TestHubKeysCommand(t *testing.T) {
	store := []string{"--data", filepath.Join(t.TempDir(), "hub")}
	if dsn := storetest.MustDSN(t); dsn != "" {
		store = append(store, "--db", dsn)
	}
	hubKeys := func(args ...string) (string, string, int) {
		t.Helper()
		return runCmd(append(append([]string{"hub", "keys"}, args...), store...)...)
	}
	list := func() []hubKeyRow {
		t.Helper()
		out, errOut, exit := hubKeys("list")
		if exit != 0 {
			t.Fatalf("hub keys list: exit %d, %s", exit, errOut)
		}
		var rows []hubKeyRow
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var row hubKeyRow
			if err := json.Unmarshal([]byte(line), &row); err != nil {
				t.Fatalf("hub keys list line %q: %v", line, err)
			}
			rows = append(rows, row)
		}
		return rows
	}
	first := list()
	if len(first) != 1 || !first[0].Signing || !first[0].Listed || first[0].Alg != "EdDSA" || first[0].Revoked {
		t.Fatalf("first list %+v, want one EdDSA key, signing and listed", first)
	}
	if _, errOut, exit := hubKeys("rotate", "--alg", "ES256", "--lead", "10m"); exit != 0 || !strings.Contains(errOut, "signs national codes from") {
		t.Fatalf("hub keys rotate: exit %d, %s", exit, errOut)
	}
	rows := list()
	if len(rows) != 2 || rows[0].Alg != "ES256" || rows[0].Signing || !rows[0].Listed || rows[1].ID != first[0].ID || !rows[1].Signing ||
		rows[1].NotAfter.IsZero() {
		t.Fatalf("after the rotation %+v, want the new ES256 key listed, the old one signing until the lead ends", rows)
	}
	if _, errOut, exit := hubKeys("revoke", "999"); exit != 1 || !strings.Contains(errOut, "not_found") && !strings.Contains(errOut, "no signing key") {
		t.Fatalf("revoke of an unknown key: exit %d, %s", exit, errOut)
	}
	if _, errOut, exit := hubKeys("revoke", jsonNumber(rows[0].ID)); exit != 0 {
		t.Fatalf("hub keys revoke: exit %d, %s", exit, errOut)
	}
	if rows := list(); !rows[0].Revoked || rows[0].Signing {
		t.Fatalf("after revoke %+v", rows)
	}

	for _, tc := range []struct {
		args []string
		exit int
	}{
		{[]string{}, 2},
		{[]string{"shred"}, 2},
		{[]string{"revoke"}, 2},
		{[]string{"revoke", "one"}, 2},
		{[]string{"list", "extra"}, 2},
		{[]string{"rotate", "--lead", "-1m"}, 2},
		{[]string{"rotate", "--alg", "RS256"}, 2},
	} {
		if _, errOut, exit := hubKeys(tc.args...); exit != tc.exit {
			t.Errorf("hub keys %v: exit %d (%s), want %d", tc.args, exit, errOut, tc.exit)
		}
	}
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
