package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/status"
)

// Every setting is a flag whose default comes from an environment variable,
// so that a node runs the same from a shell, a unit file or a container.

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func envString(fs *flag.FlagSet, name, env, def, usage string) *string {
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	return fs.String(name, def, usage+" (env "+env+")")
}

func envBool(fs *flag.FlagSet, name, env string, def bool, usage string) *bool {
	if v, ok := os.LookupEnv(env); ok {
		if b, err := strconv.ParseBool(v); err == nil {
			def = b
		}
	}
	return fs.Bool(name, def, usage+" (env "+env+")")
}

func envInt(fs *flag.FlagSet, name, env string, def int, usage string) *int {
	if v, ok := os.LookupEnv(env); ok {
		if n, err := strconv.Atoi(v); err == nil {
			def = n
		}
	}
	return fs.Int(name, def, usage+" (env "+env+")")
}

func envDuration(fs *flag.FlagSet, name, env string, def time.Duration, usage string) *time.Duration {
	if v, ok := os.LookupEnv(env); ok {
		if d, err := time.ParseDuration(v); err == nil {
			def = d
		}
	}
	return fs.Duration(name, def, usage+" (env "+env+")")
}

// storeFlags are the flags of every command that opens the store.
type storeFlags struct {
	data *string
	db   *string
}

func addStoreFlags(fs *flag.FlagSet) storeFlags {
	return storeFlags{
		data: envString(fs, "data", "HEALTHCODE_DATA", "./data", "data directory: the SQLite database and the data key"),
		db:   envString(fs, "db", "HEALTHCODE_DB", "", "PostgreSQL URL (postgres://…); SQLite in --data when empty"),
	}
}

// parseAnywhere parses flags that may come before or after the positional
// arguments (`token revoke 5 --data DIR` as well as `token revoke --data DIR 5`)
// and returns the positional ones.
func parseAnywhere(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// loadPolicy reads the region policy of --policy, or the embedded national
// default when path is empty. Every command that evaluates statuses must
// use the same policy as the node, so they share this.
func loadPolicy(path string) (*status.Policy, error) {
	if path == "" {
		return status.DefaultPolicy(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--policy: %w", err)
	}
	p, err := status.LoadPolicy(data)
	if err != nil {
		// The message alone: the error's text repeats the parser's cause.
		return nil, fmt.Errorf("--policy %s: %s", path, healthcode.ErrorMessage(err))
	}
	return p, nil
}

// checkOTPWebhook checks --otp-webhook, the SMS gateway one-time passwords
// are POSTed to: empty (none), or an absolute http(s) URL with a host. A
// typo would otherwise show only at the first sign-in, as a 503.
func checkOTPWebhook(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("--otp-webhook: must be the SMS gateway's http(s) URL, e.g. https://sms.example/send")
	}
	return nil
}
