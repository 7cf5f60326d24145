package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// fixedHub is a hub connection as the admin page reads it.
type fixedHub struct{}

func (fixedHub) Status() node.HubStatus {
	return node.HubStatus{URL: "hub.example", HubKID: "aGtpZA=="} // no scheme: checkPage refuses external references
}

// TestAdminPageParkedBatches: with a hub followed, the admin page shows
// the batches parked in the outbox, by region, with the commands that
// list and requeue them; none once they are requeued.
func TestAdminPageParkedBatches(t *testing.T) {
	missingKeys.Clear()
	s := newStaffPages(t)
	h := s.Server.Pages.(*Handler)
	h.Hub, h.Outbox = fixedHub{}, s.DB
	ctx := context.Background()
	now := time.Now()
	var ids []string
	for i, to := range []string{"CN-440100", "CN-440100", "CN-110100"} {
		id := strings.Repeat(string(rune('a'+i)), 32)
		row, _ := json.Marshal(map[string]string{"record_kind": "contacts", "id": testRegion + "/" + id, "subject": strings.Repeat("0f", 16)})
		rec := &healthcode.OutboxRecord{To: to, Kind: healthcode.KindContacts, ID: testRegion + "/" + id, Row: row}
		if _, err := s.DB.QueueOutbox(ctx, []*healthcode.OutboxRecord{rec}, now); err != nil {
			t.Fatal(err)
		}
		queued, err := s.DB.UnpackedOutbox(ctx, to, 1)
		if err != nil || len(queued) != 1 {
			t.Fatalf("queued %d, %v", len(queued), err)
		}
		if err := s.DB.PackOutbox(ctx, &healthcode.OutboxBatch{ID: id, To: to, Signed: "jws", Records: 1, CreatedAt: now}, []int64{queued[0].Seq}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.DB.RefuseOutboxBatch(ctx, id, healthcode.OutboxRefusal{Status: 403, Code: "forbidden", Message: "kid", At: now}, now, 1); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	admin := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleAdmin, Name: "运维"})
	parked := func(lang string) string {
		t.Helper()
		p := s.staffClient(t, admin, browserLangs[lang]).get("/admin")
		checkPage(t, lang, "/admin", p, http.StatusOK)
		return between(p.Body, `<dd id="parked">`, "</dd>")
	}
	for _, lang := range languages {
		got := parked(lang)
		if !strings.Contains(got, "3") || !strings.Contains(got, "CN-110100: 1, CN-440100: 2") ||
			!strings.Contains(got, "healthcode outbox list --parked") || !strings.Contains(got, "healthcode outbox requeue ID") {
			t.Errorf("%s: parked batches shown as %q", lang, got)
		}
	}
	for _, id := range ids {
		if err := s.DB.RequeueOutboxBatch(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range languages {
		if got := parked(lang); got != catalogs[lang].T("admin.parked_none") {
			t.Errorf("%s: after the requeue, parked batches shown as %q", lang, got)
		}
	}
	wantNoMissingKeys(t)
}
