package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesBadSettings: a node that cannot serve correctly says why
// and does not start.
func TestServeRefusesBadSettings(t *testing.T) {
	dir := t.TempDir()
	badPolicy := filepath.Join(dir, "policy.json")
	os.WriteFile(badPolicy, []byte(`{"version":"x","yellow":{"period":"forever"}}`), 0o600)
	data := filepath.Join(dir, "data")
	for _, tc := range []struct {
		args []string
		exit int
		says string
	}{
		{[]string{"serve", "--data", data}, 2, "no SMS gateway"},
		{[]string{"serve", "--dev", "--data", data, "--region", "330100"}, 2, "--region"},
		{[]string{"serve", "--dev", "--data", data, "--policy", badPolicy}, 2, "yellow.period"},
		{[]string{"serve", "--dev", "--data", data, "--policy", filepath.Join(dir, "missing.json")}, 2, "missing.json"},
		{[]string{"serve", "--dev", "--data", data, "--log-level", "loud"}, 2, "--log-level"},
		{[]string{"serve", "--dev", "--data", data, "--db", "mysql://x"}, 1, "postgres://"},
		{[]string{"serve", "--dev", "--data", data, "extra"}, 2, "unexpected argument"},
	} {
		_, errOut, exit := runCmd(tc.args...)
		if exit != tc.exit || !strings.Contains(errOut, tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", tc.args[1:], exit, errOut, tc.exit, tc.says)
		}
	}
}
