package gctune

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestEnvironmentWins(t *testing.T) {
	for _, tc := range []struct {
		name        string
		gogc, limit string // environment; "" unset
		wantPercent int
		wantLimit   int64
	}{
		{name: "defaults", wantPercent: Percent, wantLimit: ServeMemoryLimit},
		{name: "GOGC set", gogc: "50", wantPercent: 123, wantLimit: ServeMemoryLimit},
		{name: "GOMEMLIMIT set", limit: "2GiB", wantPercent: Percent, wantLimit: 7 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// What the runtime read from the environment at start stands
			// in as 123 and 7 MiB: the environment names them.
			defer debug.SetGCPercent(debug.SetGCPercent(123))
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(7 << 20))
			if tc.gogc != "" {
				t.Setenv("GOGC", tc.gogc)
			} else {
				unsetenv(t, "GOGC")
			}
			if tc.limit != "" {
				t.Setenv("GOMEMLIMIT", tc.limit)
			} else {
				unsetenv(t, "GOMEMLIMIT")
			}
			Serve()
			if got := debug.SetGCPercent(-1); got != tc.wantPercent {
				t.Errorf("GC percent %d, want %d", got, tc.wantPercent)
			}
			debug.SetGCPercent(123)
			if got := debug.SetMemoryLimit(-1); got != tc.wantLimit {
				t.Errorf("memory limit %d, want %d", got, tc.wantLimit)
			}
		})
	}
}

func TestBulkLimit(t *testing.T) {
	unsetenv(t, "GOGC")
	unsetenv(t, "GOMEMLIMIT")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	Bulk()
	if got := debug.SetMemoryLimit(-1); got != BulkMemoryLimit {
		t.Errorf("memory limit %d, want %d", got, BulkMemoryLimit)
	}
}

// unsetenv removes key for the test and puts it back after.
func unsetenv(t *testing.T, key string) {
	t.Setenv(key, "") // restores the old value at the end
	if err := os.Unsetenv(key); err != nil {
		t.Fatal(err)
	}
}
