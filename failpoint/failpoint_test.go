package failpoint

import (
	"os"
	"os/exec"
	"testing"
)

// Crash kills the process at the point named, and only there.
func TestCrash(t *testing.T) {
	if os.Getenv("FAILPOINT_CHILD") != "" {
		Crash("elsewhere")
		os.Stdout.WriteString("passed elsewhere\n")
		Crash("here")
		os.Stdout.WriteString("passed here\n")
		os.Exit(0)
	}
	for _, c := range []struct {
		at     string
		killed bool
		out    string
	}{
		{"", false, "passed elsewhere\npassed here\n"},
		{"here", true, "passed elsewhere\n"},
		{"nowhere", false, "passed elsewhere\npassed here\n"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$", "-test.count=1")
		cmd.Env = append(os.Environ(), "FAILPOINT_CHILD=1", EnvVar+"="+c.at)
		out, err := cmd.Output()
		exit, _ := err.(*exec.ExitError)
		if killed := exit != nil && !exit.Exited(); killed != c.killed || string(out) != c.out {
			t.Errorf("at %q: killed %v (%v), printed %q; want killed %v, %q", c.at, killed, err, out, c.killed, c.out)
		}
	}
}
