package http

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// TestOwnRecords: on the real services, a citizen reads their own test,
// doses and contact (its degree, never its case), newest first; another
// citizen's records never appear, and staff cannot read the route.
func TestOwnRecords(t *testing.T) {
	n := newNodeServer(t)
	const mine, theirs = "33010619900101123X", "330106198001010013"
	me := n.citizen(t, "13800138010", "王五", mine)
	other := n.citizen(t, "13800138011", "赵六", theirs)
	now := time.Now()
	box := n.db.Box()
	err := n.db.AddRecords(context.Background(), &healthcode.RecordBatch{
		Tests: []healthcode.Test{
			{PersonKey: box.PersonKey(mine), SampledAt: now.Add(-50 * time.Hour), Result: healthcode.Negative, Method: healthcode.MethodPCR, Lab: "我的检测一", ExternalID: "m1"},
			{PersonKey: box.PersonKey(mine), SampledAt: now.Add(-26 * time.Hour), Result: healthcode.Negative, Method: healthcode.MethodPCR, Lab: "我的检测二", ExternalID: "m2"},
			{PersonKey: box.PersonKey(theirs), SampledAt: now.Add(-3 * time.Hour), Result: healthcode.Positive, Method: healthcode.MethodPCR, Lab: "他人检测", ExternalID: "o1"},
		},
		Vaccinations: []healthcode.Vaccination{{PersonKey: box.PersonKey(mine), Dose: 1, Product: "CoronaVac", At: now.Add(-100 * 24 * time.Hour), ExternalID: "mv1"}},
		Contacts: []healthcode.Contact{{PersonKey: box.PersonKey(mine), Kind: healthcode.ContactSecondary, CaseID: "CASE-OF-ZHAO",
			ExposedAt: now.Add(-40 * 24 * time.Hour), ClearedAt: now.Add(-30 * 24 * time.Hour), ExternalID: "mc1"}},
		Travel: []healthcode.Travel{{PersonKey: box.PersonKey(theirs), Division: "420100", From: now.Add(-5 * 24 * time.Hour), To: now.Add(-4 * 24 * time.Hour), ExternalID: "ot1"}},
	})
	if err != nil {
		t.Fatal(err)
	}

	w := n.do("GET", "/api/v1/me/records", "", me...)
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	for _, leak := range []string{"他人检测", "CASE-OF-ZHAO", "420100", "m1", "mc1", theirs, mine} {
		if strings.Contains(body, leak) {
			t.Errorf("records show %q: %s", leak, body)
		}
	}
	var got ownRecordsResponse
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Tests) != 2 || got.Tests[0].Lab != "我的检测二" || got.Tests[1].Lab != "我的检测一" || got.Tests[0].Result != "negative" || got.Tests[0].Method != "pcr" {
		t.Errorf("tests %+v, want my two newest first", got.Tests)
	}
	if len(got.Vaccinations) != 1 || got.Vaccinations[0].Dose != 1 || got.Vaccinations[0].Product != "CoronaVac" {
		t.Errorf("vaccinations %+v", got.Vaccinations)
	}
	if len(got.Contacts) != 1 || got.Contacts[0].Degree != healthcode.ContactSecondary || got.Contacts[0].ClearedAt.IsZero() {
		t.Errorf("contacts %+v", got.Contacts)
	}
	if got.Travel == nil || len(got.Travel) != 0 || got.Cases == nil || got.DrugPurchases == nil || got.Scans == nil {
		t.Errorf("empty kinds must be empty lists: %s", body)
	}

	w = n.do("GET", "/api/v1/me/records", "", other...)
	wantStatus(t, w, http.StatusOK)
	if body := w.Body.String(); strings.Contains(body, "我的检测") || strings.Contains(body, "CoronaVac") || !strings.Contains(body, "他人检测") || !strings.Contains(body, "420100") {
		t.Errorf("the other citizen's records: %s", body)
	}

	wantStatus(t, n.do("GET", "/api/v1/me/records", "", n.health...), http.StatusForbidden)
	wantStatus(t, n.do("GET", "/api/v1/me/records", ""), http.StatusUnauthorized)
}
