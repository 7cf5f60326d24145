package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

func init() { commands["token"] = runToken }

const tokenUsage = `Usage:
  healthcode token create --role ROLE [--venue ID] [--kind KIND] [--org ID [--unit U]] [--name NAME] [--data DIR|--db URL]
  healthcode token revoke [--data DIR|--db URL] ID
  healthcode token list   [--data DIR|--db URL]
`

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return 2
	}
	fs := newFlagSet("token "+args[0], stderr)
	sf := addStoreFlags(fs)
	var role, venue, kind, name, org, unit *string
	if args[0] == "create" {
		role = fs.String("role", "", "admin, health, provider, venue, checkpoint, org or peer")
		venue = fs.String("venue", "", "venue id (venue and checkpoint tokens)")
		kind = fs.String("kind", "", "data kind (provider tokens): tests, vaccinations, cases, contacts, quarantines or travel")
		name = fs.String("name", "", "who or what holds the token")
		org = fs.String("org", "", "organisation id (org tokens): the community, employer or school the token manages")
		unit = fs.String("unit", "", "a unit of the organisation (org tokens of one class, building or department only)")
	}
	pos, err := parseAnywhere(fs, args[1:])
	if err != nil {
		return 2
	}
	var id int64
	switch args[0] {
	case "create", "list":
		if len(pos) != 0 {
			fmt.Fprint(stderr, tokenUsage)
			return 2
		}
	case "revoke":
		if len(pos) != 1 {
			fmt.Fprint(stderr, tokenUsage)
			return 2
		}
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil {
			fmt.Fprintf(stderr, "token revoke: ID must be a number, got %q\n", pos[0])
			return 2
		}
	default:
		fmt.Fprintf(stderr, "token: unknown action %q\n%s", args[0], tokenUsage)
		return 2
	}

	db, _, err := openStore(ctx, sf)
	if err != nil {
		fmt.Fprintln(stderr, "token:", err)
		return 1
	}
	defer db.Close()
	now := time.Now()
	switch args[0] {
	case "create":
		// An org token names an organisation that exists.
		if *org != "" {
			if _, err := db.FindOrg(ctx, *org); err != nil {
				return fail(stderr, "token create", &healthcode.Error{Code: healthcode.ErrorCode(err),
					Message: "--org " + *org + ": " + healthcode.ErrorMessage(err), Err: err})
			}
		}
		token, t, err := node.CreateStaffToken(ctx, db, node.StaffTokenRequest{
			Role: healthcode.Role(*role), Name: *name, VenueID: *venue, DataKind: *kind, OrgID: *org, OrgUnit: *unit}, now)
		if err != nil {
			printError(stderr, "token create", err, flagNamer(fs, nil))
			return 1
		}
		fmt.Fprintf(stderr, "token %d created for role %s; it is shown this once:\n", t.ID, t.Role)
		fmt.Fprintln(stdout, token)
	case "revoke":
		if err := db.RevokeStaffToken(ctx, id, now); err != nil {
			return fail(stderr, "token revoke", err)
		}
		fmt.Fprintf(stderr, "token %d revoked\n", id)
	case "list":
		ts, err := db.ListStaffTokens(ctx)
		if err != nil {
			return fail(stderr, "token list", err)
		}
		enc := json.NewEncoder(stdout)
		for _, t := range ts {
			row := map[string]any{"id": t.ID, "role": t.Role, "name": t.Name, "venue": t.VenueID,
				"kind": t.DataKind, "created_at": t.CreatedAt, "revoked": !t.RevokedAt.IsZero()}
			if t.OrgID != "" {
				row["org"], row["unit"] = t.OrgID, t.OrgUnit
			}
			enc.Encode(row)
		}
	}
	return 0
}

// fail prints err, each problem once (printError), and returns exit code 1.
// The fields of an invalid input are named as the API names them.
func fail(stderr io.Writer, what string, err error) int {
	printError(stderr, what, err, nil)
	return 1
}

// failFlags prints err as fail does, naming each field of an invalid input
// by the flag it came from (flagOf), and returns exit code 2 for invalid
// input, which the command line gave (a usage error), 1 otherwise.
func failFlags(stderr io.Writer, what string, err error, flagOf func(field string) string) int {
	printError(stderr, what, err, flagOf)
	if healthcode.ErrorCode(err) == healthcode.EINVALID {
		return 2
	}
	return 1
}

// printError prints what went wrong: the message, or for an invalid input
// each field's reason once (the message of healthcode.FieldErrors repeats
// them), the field named by name when it is set and by the field itself
// otherwise; one field on the line of what, several on lines of their
// own, in order. An internal error's cause follows.
func printError(stderr io.Writer, what string, err error, name func(field string) string) {
	msg, fields := healthcode.ErrorMessage(err), healthcode.ErrorFields(err)
	if len(fields) == 0 {
		fmt.Fprintf(stderr, "%s: %s\n", what, msg)
		if healthcode.ErrorCode(err) == healthcode.EINTERNAL {
			fmt.Fprintf(stderr, "  cause: %v\n", err)
		}
		return
	}
	lines := make([]string, 0, len(fields))
	for f, reason := range fields {
		label := f
		if name != nil {
			label = name(f)
		}
		lines = append(lines, label+": "+reason)
		if len(fields) == 1 && msg == f+": "+reason {
			msg = "" // FieldErrors' own message: the field's reason again
		}
	}
	if msg == "invalid input" {
		msg = "" // FieldErrors' message for several
	}
	sort.Strings(lines)
	switch {
	case msg == "" && len(lines) == 1:
		fmt.Fprintf(stderr, "%s: %s\n", what, lines[0])
		return
	case msg == "":
		fmt.Fprintf(stderr, "%s: invalid input:\n", what)
	default:
		fmt.Fprintf(stderr, "%s: %s\n", what, msg)
	}
	for _, l := range lines {
		fmt.Fprintf(stderr, "  %s\n", l)
	}
}

// flagNamer names a field of an invalid input by the flag of fs it came
// from: the flag of its name with - for _ (endpoint_token is
// --endpoint-token), or of the name alias gives it (colour_map: map); a
// field no flag has keeps its name, as the API names it.
func flagNamer(fs *flag.FlagSet, alias map[string]string) func(field string) string {
	return func(field string) string {
		name := field
		if a, ok := alias[field]; ok {
			name = a
		}
		name = strings.ReplaceAll(name, "_", "-")
		if fs.Lookup(name) != nil {
			return "--" + name
		}
		return field
	}
}
