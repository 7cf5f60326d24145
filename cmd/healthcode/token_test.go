package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcode/healthcode/storetest"
)

// storeArgs points a command at a fresh store of the backend under test.
func storeArgs(t *testing.T) []string {
	if dsn := storetest.MustDSN(t); dsn != "" {
		return []string{"--data", t.TempDir(), "--db", dsn}
	}
	return []string{"--data", filepath.Join(t.TempDir(), "data")}
}

func runCmd(args ...string) (stdout, stderr string, exit int) {
	var out, errOut bytes.Buffer
	exit = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), exit
}

func TestTokenCommands(t *testing.T) {
	st := storeArgs(t)
	out, errOut, exit := runCmd(append([]string{"token", "create", "--role", "checkpoint", "--venue", "v-1", "--name", "east gate"}, st...)...)
	if exit != 0 || !strings.HasPrefix(strings.TrimSpace(out), "hct_") {
		t.Fatalf("token create: exit %d, stdout %q, stderr %q", exit, out, errOut)
	}
	out, _, exit = runCmd(append([]string{"token", "list"}, st...)...)
	var row map[string]any
	if exit != 0 || json.Unmarshal([]byte(out), &row) != nil || row["role"] != "checkpoint" || row["venue"] != "v-1" || row["revoked"] != false {
		t.Fatalf("token list: exit %d, %q", exit, out)
	}
	if strings.Contains(out, "hct_") {
		t.Fatal("token list shows a token")
	}
	if _, errOut, exit = runCmd(append([]string{"token", "revoke"}, append(st, "1")...)...); exit != 0 {
		t.Fatalf("token revoke: exit %d, %s", exit, errOut)
	}
	out, _, _ = runCmd(append([]string{"token", "list"}, st...)...)
	if !strings.Contains(out, `"revoked":true`) {
		t.Fatalf("after revoke: %s", out)
	}

	for _, tc := range []struct {
		args []string
		exit int
		says string
	}{
		{[]string{"token", "create", "--role", "boss"}, 1, "--role"},
		{[]string{"token", "create", "--role", "checkpoint"}, 1, "--venue"},
		{[]string{"token", "create", "--role", "provider", "--kind", "gossip"}, 1, "--kind"},
		{[]string{"token", "revoke", "x"}, 2, "ID must be a number"},
		{[]string{"token", "revoke", "99"}, 1, "not found"},
		{[]string{"token", "frobnicate"}, 2, "unknown action"},
	} {
		_, errOut, exit := runCmd(append(tc.args, st...)...)
		if exit != tc.exit || !strings.Contains(errOut, tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", tc.args, exit, errOut, tc.exit, tc.says)
		}
	}
}

func TestKeysCommands(t *testing.T) {
	st := storeArgs(t)
	if _, errOut, exit := runCmd(append([]string{"keys", "rotate", "--alg", "ES256"}, st...)...); exit != 0 {
		t.Fatalf("keys rotate: exit %d, %s", exit, errOut)
	}
	if _, errOut, exit := runCmd(append([]string{"keys", "rotate"}, st...)...); exit != 0 {
		t.Fatalf("second rotate: exit %d, %s", exit, errOut)
	}
	out, _, exit := runCmd(append([]string{"keys", "list"}, st...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if exit != 0 || len(lines) != 2 || !strings.Contains(lines[0], `"alg":"EdDSA"`) || !strings.Contains(lines[1], `"not_after"`) {
		t.Fatalf("keys list: exit %d\n%s", exit, out)
	}
	if _, errOut, exit := runCmd(append([]string{"keys", "rotate", "--alg", "RSA"}, st...)...); exit != 1 || !strings.Contains(errOut, "EdDSA or ES256") {
		t.Fatalf("bad alg: exit %d, %s", exit, errOut)
	}
}
