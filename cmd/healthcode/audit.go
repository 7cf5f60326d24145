package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/healthcode/healthcode/node"
)

func init() { commands["audit"] = runAudit }

const auditUsage = `Usage:
  healthcode audit verify [--data DIR|--db URL]

Walks the access audit log's hash chain in id order. Exit 0 when it holds,
1 naming the first altered or removed entry, 2 on usage errors.
`

// progressEvery is how often a long verify reports how far it got.
const progressEvery = time.Second

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, auditUsage)
		return 2
	}
	fs := newFlagSet("audit verify", stderr)
	sf := addStoreFlags(fs)
	pos, err := parseAnywhere(fs, args[1:])
	if err != nil {
		return 2
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "audit verify: unexpected argument %q\n%s", pos[0], auditUsage)
		return 2
	}
	db, _, err := openStore(ctx, sf)
	if err != nil {
		fmt.Fprintln(stderr, "audit verify:", err)
		return 1
	}
	defer db.Close()

	start := time.Now()
	last := start
	checked, brk, err := node.VerifyAudit(ctx, db, func(n, total int64) {
		if now := time.Now(); now.Sub(last) >= progressEvery {
			last = now
			fmt.Fprintf(stderr, "audit verify: %d of %d entries checked (%.0f%%)\n", n, total, 100*float64(n)/float64(max(total, 1)))
		}
	})
	if err != nil {
		return fail(stderr, "audit verify", err)
	}
	if brk != nil {
		fmt.Fprintf(stdout, "FAILED: %s (entry %d %s; %d entries before it hold)\n", brk.Message, brk.ID, brk.Kind, checked)
		return 1
	}
	fmt.Fprintf(stdout, "OK: %d entries, the chain holds (%s)\n", checked, time.Since(start).Round(time.Millisecond))
	return 0
}
