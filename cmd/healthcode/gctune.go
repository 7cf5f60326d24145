package main

import (
	"os"
	"runtime/debug"
)

// Bulk commands (an import and its recompute, a risk area change) make
// garbage at a steady rate while their live heap stays small: the
// default GOGC=100 spends about a tenth of their CPU collecting. They
// collect less often instead, under a soft ceiling that keeps the
// process (Go heap plus SQLite's page caches, which Go does not count)
// well under 1 GiB. GOGC and GOMEMLIMIT in the environment still win.
const (
	bulkGCPercent   = 400
	bulkMemoryLimit = 384 << 20
)

func tuneGCForBulk() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(bulkGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(bulkMemoryLimit)
	}
}
