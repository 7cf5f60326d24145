// Command healthcode runs a Healthcode region node and its tools.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

const usage = `healthcode — the health code platform

Usage:
  healthcode serve      [--addr :8080] [--data DIR] [--db postgres://…] [--region CN-330100] [--dev] [--demo]
  healthcode hub        [--addr :8090] [--data DIR] [--db postgres://…] | key | region add|list|revoke-key|token …
  healthcode verify     [--trust FILE|URL] [--hub-key BASE64] [--at RFC3339] [--image FILE] CODE|-
  healthcode token      create --role ROLE [--venue ID] [--kind KIND] [--name NAME] | revoke ID | list
  healthcode keys       rotate [--alg EdDSA|ES256] | revoke ID | list
  healthcode import     KIND FILE [--format csv|ndjson] [--report FILE]
  healthcode outbox     list [--parked] | requeue ID …|--all
  healthcode risk-areas set FILE.json | list
  healthcode gen        --persons N [--seed S] [--out DIR] [--data DIR|--db URL]
  healthcode trace      --cases FILE [--out FILE] [--apply]
  healthcode audit      verify
  healthcode loadtest   --spawn [--db URL] | --url http://127.0.0.1:8080 --token T  [--mode scans|codes|batch|healthz|all]

Commands that open the store take [--data DIR|--db URL].
Run "healthcode COMMAND -h" for the flags of one command.
`

// command runs one subcommand and returns the process exit code.
type command func(ctx context.Context, args []string, stdout, stderr io.Writer) int

var commands = map[string]command{}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startProfile(os.Getenv("HEALTHCODE_CPUPROFILE"))
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of the whole command to path, for
// finding where a slow import or recompute spends its time; "" does nothing.
func startProfile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "HEALTHCODE_CPUPROFILE:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "healthcode: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return cmd(ctx, args[1:], stdout, stderr)
}
