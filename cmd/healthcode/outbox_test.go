package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// parkBatches packs a batch of one record for each of to into the store
// of st and has the hub refuse each refusals times, parking at 2; it
// returns the batch ids.
func parkBatches(t *testing.T, st []string, refusals int, to ...string) []string {
	t.Helper()
	ctx := context.Background()
	fs := newFlagSet("test", nil)
	sf := addStoreFlags(fs)
	if err := fs.Parse(st); err != nil {
		t.Fatal(err)
	}
	db, _, err := openStore(ctx, sf)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	var ids []string
	for i, region := range to {
		id := newTestBatchID(t)
		row, _ := json.Marshal(map[string]string{"record_kind": "tests", "id": "CN-330100/" + id,
			"id_type": "resident", "id_number": "11010519491231002X", "result": "positive"})
		rec := &healthcode.OutboxRecord{To: region, Kind: healthcode.KindTests, ID: "CN-330100/" + id, Row: row}
		if _, err := db.QueueOutbox(ctx, []*healthcode.OutboxRecord{rec}, now); err != nil {
			t.Fatal(err)
		}
		queued, err := db.UnpackedOutbox(ctx, region, 10)
		if err != nil || len(queued) != 1 {
			t.Fatalf("queued %d, %v", len(queued), err)
		}
		b := &healthcode.OutboxBatch{ID: id, To: region, Signed: "eyJ.signed-body.x", Records: 1, CreatedAt: now.Add(time.Duration(i) * time.Millisecond)}
		if err := db.PackOutbox(ctx, b, []int64{queued[0].Seq}); err != nil {
			t.Fatal(err)
		}
		for range refusals {
			r := healthcode.OutboxRefusal{Status: 403, Code: "forbidden",
				Message: "the batch must be signed by a key the hub holds for CN-330100, not revoked: kid QUJD is not one", At: now}
			if _, _, err := db.RefuseOutboxBatch(ctx, id, r, now.Add(time.Hour), 2); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	return ids
}

// newTestBatchID is a batch id as a sender makes it: 32 random hex digits.
func newTestBatchID(t *testing.T) string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// outboxLines runs outbox list with args and decodes its lines.
func outboxLines(t *testing.T, args ...string) ([]outboxBatchJSON, string, string) {
	t.Helper()
	out, errOut, exit := runCmd(append([]string{"outbox", "list"}, args...)...)
	if exit != 0 {
		t.Fatalf("outbox list %v: exit %d, %s", args, exit, errOut)
	}
	var rows []outboxBatchJSON
	for line := range strings.Lines(out) {
		var row outboxBatchJSON
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("outbox list: %q: %v", line, err)
		}
		rows = append(rows, row)
	}
	return rows, out, errOut
}

// TestOutboxCommands: outbox list --parked shows each parked batch, its
// refusals and the hub's last answer, and nothing of its records; outbox
// list shows every batch not sent with its state; requeue clears the park
// and the refusals of one batch, or of every parked one with --all; a
// mistake is named.
func TestOutboxCommands(t *testing.T) {
	st := storeArgs(t)
	if rows, _, errOut := outboxLines(t, append([]string{"--parked"}, st...)...); len(rows) != 0 || !strings.Contains(errOut, "no batch is parked") {
		t.Fatalf("an empty outbox lists %v, says %q", rows, errOut)
	}
	parked := parkBatches(t, st, 2, "CN-440100", "CN-110100")
	waiting := parkBatches(t, st, 1, "CN-310000")[0]

	rows, out, errOut := outboxLines(t, append([]string{"--parked"}, st...)...)
	if len(rows) != 2 || !strings.Contains(errOut, "2 batches parked") || !strings.Contains(errOut, "healthcode outbox requeue") {
		t.Fatalf("outbox list --parked: %d rows, stderr %q", len(rows), errOut)
	}
	for i, r := range rows {
		if r.ID != parked[i] || r.To != []string{"CN-440100", "CN-110100"}[i] || r.Records != 1 || r.State != "parked" ||
			r.Refusals != 2 || r.LastStatus != 403 || r.LastCode != "forbidden" || !strings.Contains(r.LastMessage, "kid QUJD is not one") ||
			r.LastRefusedAt == nil || r.ParkedAt == nil || r.CreatedAt.IsZero() {
			t.Errorf("parked row %d: %+v", i, r)
		}
	}
	for _, personal := range []string{"11010519491231002X", "positive", "resident", "signed-body"} {
		if strings.Contains(out, personal) {
			t.Errorf("outbox list shows %q:\n%s", personal, out)
		}
	}
	if rows, _, _ := outboxLines(t, st...); len(rows) != 3 || rows[2].ID != waiting || rows[2].State != "waiting" ||
		rows[2].RetryAt == nil || rows[2].Refusals != 1 {
		t.Fatalf("outbox list: %+v", rows)
	}

	_, errOut, exit := runCmd(append([]string{"outbox", "requeue", parked[0]}, st...)...)
	if exit != 0 || !strings.Contains(errOut, parked[0]+" requeued") {
		t.Fatalf("outbox requeue: exit %d, %s", exit, errOut)
	}
	rows, _, _ = outboxLines(t, st...)
	if len(rows) != 3 || rows[0].ID != parked[0] || rows[0].State != "due" || rows[0].Refusals != 0 || rows[0].LastStatus != 0 ||
		rows[0].ParkedAt != nil || rows[1].State != "parked" {
		t.Fatalf("after the requeue: %+v", rows)
	}
	if _, errOut, exit := runCmd(append([]string{"outbox", "requeue", "--all"}, st...)...); exit != 0 || !strings.Contains(errOut, parked[1]+" requeued") ||
		strings.Contains(errOut, waiting) {
		t.Fatalf("outbox requeue --all: exit %d, %s", exit, errOut)
	}
	if rows, _, errOut := outboxLines(t, append([]string{"--parked"}, st...)...); len(rows) != 0 || !strings.Contains(errOut, "no batch is parked") {
		t.Fatalf("parked after requeue --all: %+v", rows)
	}
	if _, errOut, exit := runCmd(append([]string{"outbox", "requeue", "--all"}, st...)...); exit != 0 || !strings.Contains(errOut, "no batch is parked") {
		t.Errorf("requeue --all with none parked: exit %d, %s", exit, errOut)
	}

	for _, tc := range []struct {
		args []string
		exit int
		says string
	}{
		{[]string{"outbox"}, 2, "Usage"},
		{[]string{"outbox", "forget"}, 2, "unknown action"},
		{[]string{"outbox", "list", "x"}, 2, "unexpected argument"},
		{[]string{"outbox", "requeue"}, 2, "or --all"},
		{[]string{"outbox", "requeue", "--all", parked[0]}, 2, "or --all"},
		{[]string{"outbox", "requeue", "5"}, 2, "not a batch id"},
		{[]string{"outbox", "requeue", strings.Repeat("9", 32)}, 1, "not found"},
	} {
		_, errOut, exit := runCmd(append(tc.args, st...)...)
		if exit != tc.exit || !strings.Contains(errOut, tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", tc.args, exit, errOut, tc.exit, tc.says)
		}
	}
}

// TestOutboxDrop: outbox drop needs parked batches' ids and a reason;
// it drops a parked batch with its records, all the named ones or none,
// and logs each, never the records; outbox list --parked shows it no
// more and outbox list --dropped shows what is kept of it.
func TestOutboxDrop(t *testing.T) {
	st := storeArgs(t)
	parked := parkBatches(t, st, 2, "CN-440100", "CN-110100")
	waiting := parkBatches(t, st, 1, "CN-310000")[0]
	if rows, _, errOut := outboxLines(t, append([]string{"--dropped"}, st...)...); len(rows) != 0 || !strings.Contains(errOut, "no batch was dropped") {
		t.Fatalf("list --dropped before any drop: %+v, %q", rows, errOut)
	}
	reason := "409: the hub holds the batch with other content; the records are imported again"

	for _, tc := range []struct {
		args []string
		exit int
		says string
	}{
		{[]string{"outbox", "drop", parked[0]}, 2, "--reason is required"},
		{[]string{"outbox", "drop", parked[0], "--reason", "  "}, 2, "--reason is required"},
		{[]string{"outbox", "drop", "--reason", reason}, 2, "name the parked batches"},
		{[]string{"outbox", "drop", "--reason", reason, "5"}, 2, "not a batch id"},
		{[]string{"outbox", "drop", "--reason", strings.Repeat("x", 1001), parked[0]}, 2, "at most 1000 bytes"},
		{[]string{"outbox", "list", "--parked", "--dropped"}, 2, "not both"},
		{[]string{"outbox", "drop", "--reason", reason, waiting}, 1, waiting + " is not parked"},
		{[]string{"outbox", "drop", "--reason", reason, strings.Repeat("9", 32)}, 1, "not found"},
		{[]string{"outbox", "drop", "--reason", reason, parked[0], waiting}, 1, "no batch was dropped"},
	} {
		_, errOut, exit := runCmd(append(tc.args, st...)...)
		if exit != tc.exit || !strings.Contains(errOut, tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", tc.args, exit, errOut, tc.exit, tc.says)
		}
	}
	if rows, _, _ := outboxLines(t, append([]string{"--parked"}, st...)...); len(rows) != 2 {
		t.Fatalf("parked after the refused drops: %+v", rows)
	}

	out, errOut, exit := runCmd(append([]string{"outbox", "drop", parked[0], "--reason", reason}, st...)...)
	if exit != 0 || out != "" {
		t.Fatalf("outbox drop: exit %d, stdout %q, stderr %s", exit, out, errOut)
	}
	var logged []string
	for line := range strings.Lines(errOut) {
		if strings.Contains(line, "dropped with its records") {
			logged = append(logged, line)
		}
	}
	if len(logged) != 1 {
		t.Fatalf("outbox drop logged %d lines, want 1:\n%s", len(logged), errOut)
	}
	for _, want := range []string{"level=WARN", "batch=" + parked[0], "to=CN-440100", "records=1", "refusals=2", "last_status=403",
		"last_code=forbidden", `reason="` + reason + `"`} {
		if !strings.Contains(logged[0], want) {
			t.Errorf("the drop's log line has no %s: %s", want, logged[0])
		}
	}
	for _, personal := range []string{"11010519491231002X", "positive", "resident", "signed-body"} {
		if strings.Contains(errOut, personal) {
			t.Errorf("outbox drop shows %q:\n%s", personal, errOut)
		}
	}

	rows, _, _ := outboxLines(t, append([]string{"--parked"}, st...)...)
	if len(rows) != 1 || rows[0].ID != parked[1] {
		t.Errorf("parked after the drop: %+v, want %s only", rows, parked[1])
	}
	if rows, _, _ := outboxLines(t, st...); len(rows) != 2 || rows[0].ID != parked[1] || rows[1].ID != waiting {
		t.Errorf("unsent after the drop: %+v", rows)
	}
	out, errOut, exit = runCmd(append([]string{"outbox", "list", "--dropped"}, st...)...)
	var drops []outboxDropJSON
	for line := range strings.Lines(out) {
		var d outboxDropJSON
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("outbox list --dropped: %q: %v", line, err)
		}
		drops = append(drops, d)
	}
	if exit != 0 || len(drops) != 1 {
		t.Fatalf("outbox list --dropped: exit %d, %d lines, %s", exit, len(drops), errOut)
	}
	if d := drops[0]; d.ID != parked[0] || d.To != "CN-440100" || d.Records != 1 || d.State != "dropped" || d.Refusals != 2 ||
		d.LastStatus != 403 || d.LastCode != "forbidden" || d.LastRefusedAt == nil || d.ParkedAt == nil || d.CreatedAt.IsZero() ||
		time.Since(d.DroppedAt) > time.Minute || d.Reason != reason {
		t.Errorf("dropped row: %+v", d)
	}
	for _, personal := range []string{"11010519491231002X", "positive", "resident", "signed-body", "kid QUJD"} {
		if strings.Contains(out, personal) {
			t.Errorf("outbox list --dropped shows %q:\n%s", personal, out)
		}
	}
	if _, errOut, exit := runCmd(append([]string{"outbox", "drop", "--reason", reason, parked[0]}, st...)...); exit != 1 ||
		!strings.Contains(errOut, "dropped already") {
		t.Errorf("a second drop: exit %d, %s", exit, errOut)
	}
}

// TestServeHubParkAfterFlag: --hub-park-after below 1 is named before the
// node starts.
func TestServeHubParkAfterFlag(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	_, errOut, exit := runCmd("serve", "--dev", "--data", data, "--hub", "https://hub.example", "--hub-token", "t",
		"--hub-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "--hub-park-after", "0")
	if exit != 2 || !strings.Contains(errOut, "--hub-park-after: must be 1 or more") {
		t.Errorf("--hub-park-after 0: exit %d, stderr %q", exit, errOut)
	}
}
