package http

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub/hubtest"
)

// The batch API end to end over the real registry: CN-440100 sends to
// CN-330100 (the env's peer), which pages and acks.
func TestHubBatches(t *testing.T) {
	e := newHubEnv(t)
	const hz, gz = "CN-330100", "CN-440100"
	k := hubtest.NewKey(t, healthcode.AlgES256)
	stranger := hubtest.NewKey(t, healthcode.AlgEdDSA)
	sender, err := e.hub.AddRegion(context.Background(), &healthcode.Region{ID: gz, Name: "广州市", Mode: healthcode.ModeLocal},
		[]*healthcode.RegionKey{{Alg: k.Alg, PublicKey: k.Public}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	first := hubtest.NewBatch(gz, hz, now, 3)
	firstSigned := hubtest.Sign(t, k, first)
	changed := first
	changed.Records = first.Records[:1]
	badRecord := hubtest.NewBatch(gz, hz, now, 1)
	badRecord.Records[0] = map[string]any{"record_kind": "visits", "id": gz + "/1"}

	posts := []struct {
		name   string
		body   string
		auth   []string
		status int
		code   string
	}{
		{"no token", putBody(firstSigned), nil, 401, healthcode.EUNAUTHORIZED},
		{"a hub admin", putBody(firstSigned), bearer(e.admin), 403, healthcode.EFORBIDDEN},
		{"the receiver's token", putBody(firstSigned), bearer(e.peer), 403, healthcode.EFORBIDDEN},
		{"body not JSON", "signed", bearer(sender), 400, healthcode.EINVALID},
		{"no signed", `{}`, bearer(sender), 400, healthcode.EINVALID},
		{"unknown field", `{"signed":"x","to":"CN-330100"}`, bearer(sender), 400, healthcode.EINVALID},
		{"body past the limit", putBody(strings.Repeat("a", healthcode.MaxBatchBytes+2<<10)), bearer(sender), 413, healthcode.ETOOLARGE},
		{"batch past the limit", putBody(strings.Repeat("a", healthcode.MaxBatchBytes+100)), bearer(sender), 413, healthcode.ETOOLARGE},
		{"signed by a key the hub does not hold", putBody(hubtest.Sign(t, stranger, first)), bearer(sender), 403, healthcode.EFORBIDDEN},
		{"a record of no kind", putBody(hubtest.Sign(t, k, badRecord)), bearer(sender), 400, healthcode.EINVALID},
		{"first", putBody(firstSigned), bearer(sender), 201, ""},
		{"again", putBody(firstSigned), bearer(sender), 200, ""},
		{"signed again", putBody(hubtest.Sign(t, k, first)), bearer(sender), 200, ""},
		{"other content under the id", putBody(hubtest.Sign(t, k, changed)), bearer(sender), 409, healthcode.ECONFLICT},
		{"a second batch", putBody(hubtest.Sign(t, k, hubtest.NewBatch(gz, hz, now, 1))), bearer(sender), 201, ""},
	}
	for _, tt := range posts {
		w := e.do("POST", "/hub/v1/batches", tt.body, tt.auth...)
		if w.Code != tt.status {
			t.Fatalf("%s: %d %.300s, want %d", tt.name, w.Code, w.Body, tt.status)
		}
		if tt.code != "" {
			if got := errorCode(t, w); got != tt.code {
				t.Fatalf("%s: code %q, want %q", tt.name, got, tt.code)
			}
			continue
		}
		var res map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		if tt.status == 200 && (res["id"] != first.ID || res["seq"] != 1.0 || res["duplicate"] != true) {
			t.Fatalf("%s: %s, want the first batch's id and seq, duplicate", tt.name, w.Body)
		}
		if tt.status == 201 && (res["id"] == nil || res["seq"] == nil || res["duplicate"] != nil) {
			t.Fatalf("%s: %s, want id and seq", tt.name, w.Body)
		}
	}

	var page hubBatchListResponse
	get := func(query string, auth []string, status int) {
		t.Helper()
		page = hubBatchListResponse{}
		w := e.do("GET", "/hub/v1/batches"+query, "", auth...)
		if w.Code != status {
			t.Fatalf("GET %s: %d %.300s, want %d", query, w.Code, w.Body, status)
		}
		if status == 200 {
			if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
				t.Fatal(err)
			}
		}
	}
	get("", bearer(e.peer), 200)
	if len(page.Batches) != 2 || page.Next != 2 || page.Batches[0] != (hubBatchJSON{Seq: 1, ID: first.ID, From: gz, Signed: firstSigned}) {
		t.Fatalf("page %+v", page)
	}
	get("?since=1&limit=1", bearer(e.peer), 200)
	if len(page.Batches) != 1 || page.Batches[0].Seq != 2 || page.Next != 2 {
		t.Fatalf("page after 1 %+v", page)
	}
	get("?since=2", bearer(e.peer), 200)
	if len(page.Batches) != 0 || page.Next != 2 {
		t.Fatalf("page after the last %+v", page)
	}
	get("", bearer(sender), 200)
	if len(page.Batches) != 0 || page.Next != 0 {
		t.Fatalf("the sender is given %+v", page)
	}
	get("?since=-1", bearer(e.peer), 400)
	get("?since=x", bearer(e.peer), 400)
	get("?limit=1001", bearer(e.peer), 400)
	get("?limit=0", bearer(e.peer), 400)
	get("", bearer(e.admin), 403)
	get("", nil, 401)

	acks := []struct {
		name   string
		body   string
		auth   []string
		status int
		acked  int
	}{
		{"no through", `{}`, bearer(e.peer), 400, 0},
		{"through not a number", `{"through":"1"}`, bearer(e.peer), 400, 0},
		{"past the last", `{"through":3}`, bearer(e.peer), 400, 0},
		{"a hub admin", `{"through":1}`, bearer(e.admin), 403, 0},
		{"through 1", `{"through":1}`, bearer(e.peer), 200, 1},
		{"again", `{"through":1}`, bearer(e.peer), 200, 0},
	}
	for _, tt := range acks {
		w := e.do("POST", "/hub/v1/batches/ack", tt.body, tt.auth...)
		if w.Code != tt.status {
			t.Fatalf("ack %s: %d %s, want %d", tt.name, w.Code, w.Body, tt.status)
		}
		if tt.status == 200 && strings.TrimSpace(w.Body.String()) != fmt.Sprintf(`{"acked":%d}`, tt.acked) {
			t.Fatalf("ack %s: %s, want %d acked", tt.name, w.Body, tt.acked)
		}
	}
	get("", bearer(e.peer), 200)
	if len(page.Batches) != 1 || page.Batches[0].Seq != 2 {
		t.Fatalf("page after the ack %+v", page)
	}
	// A late resend of the acked batch is still a duplicate.
	if w := e.do("POST", "/hub/v1/batches", putBody(firstSigned), bearer(sender)...); w.Code != 200 {
		t.Fatalf("resend after the ack: %d %s", w.Code, w.Body)
	}

	w := e.do("GET", "/metrics", "", bearer(e.admin)...)
	for _, want := range []string{
		`healthcode_hub_batch_posts_total{result="accepted"} 2`,
		`healthcode_hub_batch_posts_total{result="duplicate"} 3`,
		// The token checks come first: the admin's and the missing token
		// never reach the handler.
		`healthcode_hub_batch_posts_total{result="refused"} 9`,
		`healthcode_hub_batch_posts_total{result="failed"} 0`,
	} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
