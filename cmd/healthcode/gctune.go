package main

import (
	"os"
	"runtime/debug"
)

// The node's work makes garbage at a steady rate while its live heap stays
// small: at the default GOGC=100 collecting costs a tenth of the CPU of a
// bulk import or recompute and about as much of a busy node's (measured:
// offline uploads 216,000 → 249,000 scans/s at GOGC=400). Both collect less
// often instead, under a soft ceiling. GOGC and GOMEMLIMIT in the
// environment still win.
const (
	collectPercent = 400
	// bulkMemoryLimit keeps a bulk command (Go heap plus SQLite's page
	// caches, which Go does not count) well under 1 GiB.
	bulkMemoryLimit = 384 << 20
	// serveMemoryLimit is where a node collects hard again.
	serveMemoryLimit = 1 << 30
)

func tuneGCForBulk() { tuneGC(collectPercent, bulkMemoryLimit) }

func tuneGCForServe() { tuneGC(collectPercent, serveMemoryLimit) }

func tuneGC(percent int, limit int64) {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(percent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(limit)
	}
}
