// Package gctune sets the Go collector for healthcode's processes. The
// node's work makes garbage at a steady rate while its live heap stays
// small: at the default GOGC=100 collecting costs a tenth of the CPU of a
// bulk import or recompute and about as much of a busy node's (measured:
// offline uploads 216,000 → 249,000 scans/s at GOGC=400). Both collect
// less often instead, under a soft ceiling. GOGC and GOMEMLIMIT in the
// environment still win.
//
// Benchmarks of a server's work call Serve too, so that they measure the
// collector the server runs with.
package gctune

import (
	"os"
	"runtime/debug"
)

const (
	// Percent is GOGC for every command.
	Percent = 400
	// BulkMemoryLimit keeps a bulk command (Go heap plus SQLite's page
	// caches, which Go does not count) well under 1 GiB.
	BulkMemoryLimit = 384 << 20
	// ServeMemoryLimit is where a server collects hard again.
	ServeMemoryLimit = 1 << 30
)

// Bulk tunes the collector for a bulk command (import, risk areas, trace).
func Bulk() { tune(Percent, BulkMemoryLimit) }

// Serve tunes the collector for a server (serve, hub).
func Serve() { tune(Percent, ServeMemoryLimit) }

func tune(percent int, limit int64) {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(percent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(limit)
	}
}
