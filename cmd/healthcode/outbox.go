package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
)

func init() { commands["outbox"] = runOutbox }

const outboxUsage = `Usage:
  healthcode outbox list    [--parked|--dropped] [--data DIR|--db URL]
  healthcode outbox requeue [--data DIR|--db URL] ID [ID …]
  healthcode outbox requeue --all [--data DIR|--db URL]
  healthcode outbox drop    --reason TEXT [--data DIR|--db URL] ID [ID …]

The batches of records this node has packed for other regions and the hub
has not taken yet (docs/federation.md, "Node side"). A batch the hub
refuses is posted again after a backoff and parked after
serve --hub-park-after refusals: it is not posted again until requeued.

list prints one JSON object a batch, oldest first: its id, the region it
goes to, its records, its refusals and the last one's HTTP status, the
hub's code and message, when, and its state (due, waiting or parked); never
the records themselves. --parked lists the parked batches only.
--dropped lists the batches dropped instead: id, region, records, refusals,
the hub's last status and code, when it was parked and dropped, and why.

requeue clears a batch's park and refusals: the node's sender posts it at
its next round (the hub takes a batch it has already as a duplicate).
--all requeues every parked batch.

drop deletes parked batches the hub will never take (409: the batch id is
stored there with other content) and their records: personal data meant for
another region, which that region then never receives. Only a parked batch
can be dropped; --reason says why (it is kept, so it must name no person).
The batches named are dropped together or, when any cannot be, none. Each
is logged, and kept without its records (outbox list --dropped).
`

func runOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "requeue" && args[0] != "drop") {
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
	var parked, dropped, all *bool
	var reason *string
	switch action {
	case "list":
		parked = fs.Bool("parked", false, "the parked batches only")
		dropped = fs.Bool("dropped", false, "the batches dropped instead")
	case "requeue":
		all = fs.Bool("all", false, "every parked batch")
	case "drop":
		reason = fs.String("reason", "", "why the batches and their records are discarded (required; kept, so name no person)")
	}
	pos, err := parseAnywhere(fs, args[1:])
	if err != nil {
		return 2
	}
	switch {
	case action == "list" && len(pos) != 0:
		fmt.Fprintf(stderr, "outbox list: unexpected argument %q\n%s", pos[0], outboxUsage)
		return 2
	case action == "list" && *parked && *dropped:
		fmt.Fprintf(stderr, "outbox list: --parked or --dropped, not both\n%s", outboxUsage)
		return 2
	case action == "requeue" && *all == (len(pos) != 0):
		fmt.Fprintf(stderr, "outbox requeue: name the batches (their ids, as outbox list prints them) or --all, not both\n%s", outboxUsage)
		return 2
	case action == "drop" && len(pos) == 0:
		fmt.Fprintf(stderr, "outbox drop: name the parked batches (their ids, as outbox list --parked prints them)\n%s", outboxUsage)
		return 2
	case action == "drop" && strings.TrimSpace(*reason) == "":
		fmt.Fprintf(stderr, "outbox drop: --reason is required: say why the records, meant for another region, are discarded\n%s", outboxUsage)
		return 2
	case action == "drop" && len(strings.TrimSpace(*reason)) > healthcode.MaxOutboxDropReason:
		fmt.Fprintf(stderr, "outbox drop: --reason: at most %d bytes\n", healthcode.MaxOutboxDropReason)
		return 2
	}
	for _, id := range pos {
		if !hub.ValidBatchID(id) {
			fmt.Fprintf(stderr, "outbox %s: %q is not a batch id (32 hex digits, as outbox list prints it)\n", action, id)
			return 2
		}
	}

	db, _, err := openStore(ctx, sf)
	if err != nil {
		fmt.Fprintln(stderr, "outbox:", err)
		return 1
	}
	defer db.Close()
	switch {
	case action == "list" && *dropped:
		return outboxDropped(ctx, db, stdout, stderr)
	case action == "list":
		return outboxList(ctx, db, *parked, stdout, stderr)
	case action == "drop":
		return outboxDrop(ctx, db, pos, *reason, stderr)
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

// outboxBatchHead is what a line of outbox list and one of outbox list
// --dropped both begin with.
type outboxBatchHead struct {
	ID         string    `json:"id"`
	To         string    `json:"to"`
	Records    int       `json:"records"`
	CreatedAt  time.Time `json:"created_at"`
	State      string    `json:"state"` // due, waiting (a refusal's backoff), parked or dropped
	Refusals   int       `json:"refusals"`
	LastStatus int       `json:"last_status,omitempty"`
	LastCode   string    `json:"last_code,omitempty"`
}

// outboxBatchJSON is a line of outbox list: what an operator acts on,
// nothing of the records.
type outboxBatchJSON struct {
	outboxBatchHead
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
		row := outboxBatchJSON{outboxBatchHead: outboxBatchHead{ID: b.ID, To: b.To, Records: b.Records, CreatedAt: b.CreatedAt, State: "due",
			Refusals: b.Refusals, LastStatus: b.LastRefusal.Status, LastCode: b.LastRefusal.Code},
			LastMessage: b.LastRefusal.Message, LastRefusedAt: timeOrNil(b.LastRefusal.At), ParkedAt: timeOrNil(b.ParkedAt)}
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
		fmt.Fprintf(stderr, "%d batches parked: fix what the hub refused, then `healthcode outbox requeue ID` (or --all) posts them again; "+
			"one the hub will never take (409) is dropped with its records by `healthcode outbox drop ID --reason TEXT`\n", nParked)
	} else if len(bs) == 0 {
		if parked {
			fmt.Fprintln(stderr, "no batch is parked")
		} else {
			fmt.Fprintln(stderr, "no batch waits to be sent")
		}
	}
	return 0
}

// outboxDrop drops the parked batches ids, all or none, and logs each.
func outboxDrop(ctx context.Context, db healthcode.OutboxStore, ids []string, reason string, stderr io.Writer) int {
	drops, err := db.DropOutboxBatches(ctx, ids, reason, time.Now())
	if err != nil {
		code := fail(stderr, "outbox drop", err)
		if len(ids) > 1 {
			fmt.Fprintln(stderr, "no batch was dropped")
		}
		return code
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	for _, d := range drops {
		logger.WarnContext(ctx, "outbox: parked batch dropped with its records", "batch", d.BatchID, "to", d.To,
			"records", d.Records, "refusals", d.Refusals, "last_status", d.LastStatus, "last_code", d.LastCode, "reason", d.Reason)
	}
	what := fmt.Sprintf("%d batches", len(drops))
	if len(drops) == 1 {
		what = "1 batch"
	}
	fmt.Fprintf(stderr, "%s dropped (outbox list --dropped); the node's parked gauge counts them no more from its next exchange\n", what)
	return 0
}

// outboxDropJSON is a line of outbox list --dropped: what is kept of a
// batch dropped, nothing of its records.
type outboxDropJSON struct {
	outboxBatchHead
	LastRefusedAt *time.Time `json:"last_refused_at,omitempty"`
	ParkedAt      *time.Time `json:"parked_at,omitempty"`
	DroppedAt     time.Time  `json:"dropped_at"`
	Reason        string     `json:"reason"`
}

func outboxDropped(ctx context.Context, db healthcode.OutboxStore, stdout, stderr io.Writer) int {
	drops, err := db.ListOutboxDrops(ctx)
	if err != nil {
		return fail(stderr, "outbox list", err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, d := range drops {
		enc.Encode(outboxDropJSON{outboxBatchHead: outboxBatchHead{ID: d.BatchID, To: d.To, Records: d.Records, CreatedAt: d.CreatedAt,
			State: "dropped", Refusals: d.Refusals, LastStatus: d.LastStatus, LastCode: d.LastCode},
			LastRefusedAt: timeOrNil(d.LastRefusedAt), ParkedAt: timeOrNil(d.ParkedAt), DroppedAt: d.DroppedAt, Reason: d.Reason})
	}
	if len(drops) == 0 {
		fmt.Fprintln(stderr, "no batch was dropped")
	}
	return 0
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
