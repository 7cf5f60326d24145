package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/healthcode/healthcode"
)

func init() { commands["outbox"] = runOutbox }

const outboxUsage = `Usage:
  healthcode outbox list    [--parked] [--data DIR|--db URL]
  healthcode outbox requeue [--data DIR|--db URL] ID [ID …]
  healthcode outbox requeue --all [--data DIR|--db URL]

The batches of records this node has packed for other regions and the hub
has not taken yet (docs/federation.md, "Node side"). A batch the hub
refuses is posted again after a backoff and parked after
serve --hub-park-after refusals: it is not posted again until requeued.

list prints one JSON object a batch, oldest first: its id, the region it
goes to, its records, its refusals and the last one's HTTP status, the
hub's code and message, when, and its state (due, waiting or parked); never
the records themselves. --parked lists the parked batches only.

requeue clears a batch's park and refusals: the node's sender posts it at
its next round (the hub takes a batch it has already as a duplicate).
--all requeues every parked batch.
`

func runOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "requeue") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(stderr, outboxUsage)
			return 0
		}
		if len(args) > 0 {
			fmt.Fprintf(stderr, "outbox: unknown action %q\n", args[0])
		}
		fmt.Fprint(stderr, outboxUsage)
		return 2
	}
	action := args[0]
	fs := newFlagSet("outbox "+action, stderr)
	sf := addStoreFlags(fs)
	var parked, all *bool
	if action == "list" {
		parked = fs.Bool("parked", false, "the parked batches only")
	} else {
		all = fs.Bool("all", false, "every parked batch")
	}
	pos, err := parseAnywhere(fs, args[1:])
	if err != nil {
		return 2
	}
	switch {
	case action == "list" && len(pos) != 0:
		fmt.Fprintf(stderr, "outbox list: unexpected argument %q\n%s", pos[0], outboxUsage)
		return 2
	case action == "requeue" && *all == (len(pos) != 0):
		fmt.Fprintf(stderr, "outbox requeue: name the batches (their ids, as outbox list prints them) or --all, not both\n%s", outboxUsage)
		return 2
	}
	for _, id := range pos {
		if !batchID(id) {
			fmt.Fprintf(stderr, "outbox requeue: %q is not a batch id (32 hex digits, as outbox list prints it)\n", id)
			return 2
		}
	}

	db, _, err := openStore(ctx, sf)
	if err != nil {
		fmt.Fprintln(stderr, "outbox:", err)
		return 1
	}
	defer db.Close()
	if action == "list" {
		return outboxList(ctx, db, *parked, stdout, stderr)
	}
	if *all {
		bs, err := db.ListOutboxBatches(ctx, true)
		if err != nil {
			return fail(stderr, "outbox requeue", err)
		}
		if len(bs) == 0 {
			fmt.Fprintln(stderr, "no batch is parked")
			return 0
		}
		for _, b := range bs {
			pos = append(pos, b.ID)
		}
	}
	for _, id := range pos {
		if err := db.RequeueOutboxBatch(ctx, id); err != nil {
			return fail(stderr, "outbox requeue "+id, err)
		}
		fmt.Fprintf(stderr, "batch %s requeued: the node posts it at its next exchange\n", id)
	}
	return 0
}

// outboxBatchJSON is a line of outbox list: what an operator acts on,
// nothing of the records.
type outboxBatchJSON struct {
	ID            string     `json:"id"`
	To            string     `json:"to"`
	Records       int        `json:"records"`
	CreatedAt     time.Time  `json:"created_at"`
	State         string     `json:"state"` // due, waiting (a refusal's backoff) or parked
	Refusals      int        `json:"refusals"`
	LastStatus    int        `json:"last_status,omitempty"`
	LastCode      string     `json:"last_code,omitempty"`
	LastMessage   string     `json:"last_message,omitempty"`
	LastRefusedAt *time.Time `json:"last_refused_at,omitempty"`
	RetryAt       *time.Time `json:"retry_at,omitempty"`
	ParkedAt      *time.Time `json:"parked_at,omitempty"`
}

func outboxList(ctx context.Context, db healthcode.OutboxStore, parked bool, stdout, stderr io.Writer) int {
	bs, err := db.ListOutboxBatches(ctx, parked)
	if err != nil {
		return fail(stderr, "outbox list", err)
	}
	now := time.Now()
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	nParked := 0
	for _, b := range bs {
		row := outboxBatchJSON{ID: b.ID, To: b.To, Records: b.Records, CreatedAt: b.CreatedAt, State: "due", Refusals: b.Refusals,
			LastStatus: b.LastRefusal.Status, LastCode: b.LastRefusal.Code, LastMessage: b.LastRefusal.Message,
			LastRefusedAt: timeOrNil(b.LastRefusal.At), ParkedAt: timeOrNil(b.ParkedAt)}
		switch {
		case !b.ParkedAt.IsZero():
			row.State = "parked"
			nParked++
		case b.RetryAt.After(now):
			row.State, row.RetryAt = "waiting", &b.RetryAt
		}
		enc.Encode(row)
	}
	if nParked > 0 {
		fmt.Fprintf(stderr, "%d batches parked: fix what the hub refused, then `healthcode outbox requeue ID` (or --all) posts them again\n", nParked)
	} else if len(bs) == 0 {
		if parked {
			fmt.Fprintln(stderr, "no batch is parked")
		} else {
			fmt.Fprintln(stderr, "no batch waits to be sent")
		}
	}
	return 0
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// batchID reports whether id is a batch id: 32 lowercase hex digits.
func batchID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
