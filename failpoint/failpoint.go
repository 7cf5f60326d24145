// Package failpoint crashes the process at a named point of its work, for
// the tests that show what survives a crash exactly there (a node killed
// between a batch's import and its record, in TestFederationReliability).
//
// The point is named by the environment variable HEALTHCODE_TEST_CRASH_AT,
// read when the process starts; unset, as it always is outside such a
// test, Crash does nothing.
package failpoint

import "os"

// EnvVar names the point to crash at.
const EnvVar = "HEALTHCODE_TEST_CRASH_AT"

var at = os.Getenv(EnvVar)

// Crash kills the process (SIGKILL on Unix, as a power cut or the OOM
// killer would: no deferred function, no flush) when name is the point
// EnvVar names.
func Crash(name string) {
	if at == "" || at != name {
		return
	}
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		p.Kill()
	}
	select {} // until the signal lands
}
