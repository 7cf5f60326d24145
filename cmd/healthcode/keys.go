package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

func init() { commands["keys"] = runKeys }

const keysUsage = `Usage:
  healthcode keys rotate [--alg EdDSA|ES256] [--data DIR|--db URL]
  healthcode keys revoke [--data DIR|--db URL] ID
  healthcode keys list   [--data DIR|--db URL]
`

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return 2
	}
	fs := newFlagSet("keys "+args[0], stderr)
	sf := addStoreFlags(fs)
	alg := fs.String("alg", healthcode.AlgEdDSA, "algorithm of the new key: EdDSA or ES256")
	pos, err := parseAnywhere(fs, args[1:])
	if err != nil {
		return 2
	}
	id, code := parseKeysAction("keys", keysUsage, args[0], pos, stderr)
	if code != 0 {
		return code
	}
	db, _, err := openStore(ctx, sf)
	if err != nil {
		fmt.Fprintln(stderr, "keys:", err)
		return 1
	}
	defer db.Close()
	ring := node.NewKeyRing(db)
	switch args[0] {
	case "rotate":
		k, err := ring.Rotate(ctx, *alg)
		if err != nil {
			return fail(stderr, "keys rotate", err)
		}
		fmt.Fprintf(stderr, "key %d (%s, kid %s) signs from now on; older keys stay valid for %s and stay in the trust list until their codes expire\n",
			k.ID, k.Alg, base64.StdEncoding.EncodeToString(k.KID), node.RotationGrace)
	case "revoke":
		if err := ring.Revoke(ctx, id); err != nil {
			return fail(stderr, "keys revoke", err)
		}
		fmt.Fprintf(stderr, "key %d revoked: codes it signed no longer verify\n", id)
	case "list":
		keys, err := ring.Keys(ctx)
		if err != nil {
			return fail(stderr, "keys list", err)
		}
		enc := json.NewEncoder(stdout)
		for _, k := range keys {
			row := map[string]any{"id": k.ID, "alg": k.Alg, "kid": base64.StdEncoding.EncodeToString(k.KID),
				"not_before": k.NotBefore, "revoked": k.Revoked}
			if !k.NotAfter.IsZero() {
				row["not_after"] = k.NotAfter
			}
			enc.Encode(row)
		}
	}
	return 0
}

// parseKeysAction checks the arguments of a `list | rotate | revoke ID`
// command (keys, hub keys) and returns the id revoke names; a non-zero
// code is the exit status of a usage error, already explained on stderr.
func parseKeysAction(cmd, usage, action string, pos []string, stderr io.Writer) (id int64, code int) {
	switch action {
	case "list", "rotate":
		if len(pos) != 0 {
			fmt.Fprint(stderr, usage)
			return 0, 2
		}
	case "revoke":
		if len(pos) != 1 {
			fmt.Fprint(stderr, usage)
			return 0, 2
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "%s revoke: ID must be a number as `%s list` shows it, got %q\n", cmd, cmd, pos[0])
			return 0, 2
		}
		return id, 0
	default:
		fmt.Fprintf(stderr, "%s: unknown action %q\n%s", cmd, action, usage)
		return 0, 2
	}
	return 0, 0
}
