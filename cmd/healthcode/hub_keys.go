package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/node"
)

const hubKeysUsage = `Usage:
  healthcode hub keys list   [--data DIR|--db URL]
  healthcode hub keys rotate [--alg EdDSA|ES256] [--lead 10m] [--data DIR|--db URL]
  healthcode hub keys revoke [--data DIR|--db URL] ID
Region CN's keys sign the national codes the hub issues; the trust list
carries them as region CN. A rotated key is listed at once and signs after
--lead, so nodes hold it before the first code it signs; --lead 0 after a
leak, then revoke the leaked key.
`

// hubKeyRow is a line of `hub keys list`.
type hubKeyRow struct {
	ID        int64     `json:"id"`
	Alg       string    `json:"alg"`
	KID       string    `json:"kid"`
	PublicKey string    `json:"public_key"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after,omitzero"`
	Revoked   bool      `json:"revoked"`
	Signing   bool      `json:"signing"` // the key national codes are signed with now
	Listed    bool      `json:"listed"`  // in the trust list: until its last code expired
}

func runHubKeys(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, hubKeysUsage)
		return 2
	}
	action := args[0]
	fs := newFlagSet("hub keys "+action, stderr)
	sf := addHubStoreFlags(fs)
	var alg *string
	var lead *time.Duration
	if action == "rotate" {
		alg = fs.String("alg", healthcode.AlgEdDSA, "the new key's algorithm, `ALG`: EdDSA or ES256")
		lead = fs.Duration("lead", hub.NationalKeyLead, "how long the new key is listed before it signs")
	}
	pos, err := parseAnywhere(fs, args[1:])
	if err != nil {
		return 2
	}
	id, code := parseKeysAction("hub keys", hubKeysUsage, action, pos, stderr)
	if code != 0 {
		return code
	}
	if lead != nil && *lead < 0 {
		fmt.Fprintln(stderr, "hub keys rotate: --lead must not be negative")
		return 2
	}
	if alg != nil && *alg != healthcode.AlgEdDSA && *alg != healthcode.AlgES256 {
		fmt.Fprintln(stderr, "hub keys rotate: --alg: must be EdDSA or ES256")
		return 2
	}

	db, _, err := openStore(ctx, sf)
	if err != nil {
		fmt.Fprintln(stderr, "hub keys:", err)
		return 1
	}
	defer db.Close()
	g := hub.New(db)
	switch action {
	case "rotate":
		k, err := g.RotateNationalKey(ctx, *alg, *lead)
		if err != nil {
			return failFlags(stderr, "hub keys rotate", err, flagNamer(fs, nil))
		}
		fmt.Fprintf(stderr, "key %d (%s, kid %s) is in the trust list now and signs national codes from %s; the key signing now goes on until then and %s more\n",
			k.ID, k.Alg, base64.StdEncoding.EncodeToString(k.KID), k.NotBefore.Format(time.RFC3339), node.RotationGrace)
	case "revoke":
		if err := g.RevokeNationalKey(ctx, id); err != nil {
			return failFlags(stderr, "hub keys revoke", err, flagNamer(fs, nil))
		}
		fmt.Fprintf(stderr, "key %d revoked: the national codes it signed stop verifying at each node's next fetch of the trust list\n", id)
	case "list":
		keys, err := g.NationalKeys(ctx)
		if err != nil {
			return fail(stderr, "hub keys list", err)
		}
		enc := json.NewEncoder(stdout)
		for _, row := range hubKeyRows(keys, g.Now()) {
			enc.Encode(row)
		}
	}
	return 0
}

// hubKeyRows are keys as `hub keys list` prints them, newest first.
func hubKeyRows(keys []*healthcode.SigningKey, now time.Time) []hubKeyRow {
	listed := map[int64]bool{}
	for _, k := range node.Published(keys, now, healthcode.NationalCodeLifetime) {
		listed[k.ID] = true
	}
	signing := int64(0)
	for _, k := range keys { // newest first: the first active one signs
		if k.ActiveAt(now) {
			signing = k.ID
			break
		}
	}
	rows := make([]hubKeyRow, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, hubKeyRow{ID: k.ID, Alg: k.Alg, KID: base64.StdEncoding.EncodeToString(k.KID),
			PublicKey: base64.StdEncoding.EncodeToString(k.PublicKey), NotBefore: k.NotBefore, NotAfter: k.NotAfter,
			Revoked: k.Revoked, Signing: k.ID == signing, Listed: listed[k.ID]})
	}
	return rows
}
