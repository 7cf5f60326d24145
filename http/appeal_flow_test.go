package http

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/status"
	"github.com/healthcode/healthcode/storetest"
)

var discardLogger = slog.New(slog.DiscardHandler)

// nodeServer is a Server over the real services and the store under test
// (HEALTHCODE_TEST_DB), with a health token and a citizen's session.
type nodeServer struct {
	*testServer
	db     *sqlstore.DB
	health []string // Authorization header of a health token
	admin  []string
}

func newNodeServer(t *testing.T) *nodeServer {
	t.Helper()
	ctx := context.Background()
	db := storetest.MustOpenDB(t)
	keys := node.NewKeyRing(db)
	if err := keys.Ensure(ctx, healthcode.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	auth := node.NewAuthService(db, storetest.TestBox(t), node.LogSender{Logger: discardLogger})
	auth.Dev, auth.Logger = true, discardLogger
	citizens := &node.CitizenService{Store: db, Policy: status.DefaultPolicy(), Keys: keys, Region: "CN-330100", Now: time.Now, Logger: discardLogger}
	audit := &node.Audit{Store: db, Now: time.Now, Logger: discardLogger}
	ts := newTestServer(t)
	ts.Auth, ts.Citizens, ts.Dev = auth, citizens, true
	ts.Appeals = &node.AppealService{Store: db, Citizens: citizens, Audit: audit, Now: time.Now}
	ts.Persons = &node.PersonReads{Store: db, Citizens: citizens, Audit: audit}
	ts.Audit = audit
	token := func(role healthcode.Role, name string) []string {
		tok, _, err := node.CreateStaffToken(ctx, db, node.StaffTokenRequest{Role: role, Name: name}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return []string{"Authorization", "Bearer " + tok}
	}
	return &nodeServer{testServer: ts, db: db, health: token(healthcode.RoleHealth, "cdc desk 3"), admin: token(healthcode.RoleAdmin, "ops")}
}

// citizen signs phone in, saves a profile with idNumber and declares.
func (n *nodeServer) citizen(t *testing.T, phone, name, idNumber string) []string {
	t.Helper()
	w := n.do("POST", "/api/v1/auth/otp", `{"phone":"`+phone+`"}`)
	wantStatus(t, w, http.StatusOK)
	otp := decodeBody(t, w)["dev_otp"].(string)
	w = n.do("POST", "/api/v1/auth/session", `{"phone":"`+phone+`","otp":"`+otp+`"}`)
	wantStatus(t, w, http.StatusCreated)
	auth := []string{"Authorization", "Bearer " + decodeBody(t, w)["token"].(string)}
	wantStatus(t, n.do("PUT", "/api/v1/me/profile", `{"name":"`+name+`","id_type":"resident_id","id_number":"`+idNumber+`"}`, auth...), http.StatusOK)
	wantStatus(t, n.do("POST", "/api/v1/me/declarations", `{"case_contact":"no"}`, auth...), http.StatusCreated)
	return auth
}

// positive stores a positive test for the person with idNumber.
func (n *nodeServer) positive(t *testing.T, idNumber string) {
	t.Helper()
	now := time.Now()
	err := n.db.AddRecords(context.Background(), &healthcode.RecordBatch{Tests: []healthcode.Test{{
		PersonKey: n.db.Box().PersonKey(idNumber), SampledAt: now.Add(-2 * time.Hour), ReportedAt: now.Add(-time.Hour),
		Result: healthcode.Positive, Method: healthcode.MethodPCR, Lab: "lab 1", ExternalID: "t-" + idNumber, RecordedAt: now.Add(-time.Second)}}})
	if err != nil {
		t.Fatal(err)
	}
}

func colourOf(t *testing.T, n *nodeServer, auth []string) string {
	t.Helper()
	w := n.do("GET", "/api/v1/me/status", "", auth...)
	wantStatus(t, w, http.StatusOK)
	return decodeBody(t, w)["colour"].(string)
}

const (
	zhangID = "11010519491231002X"
	liID    = "110101199003077774"
)

func TestAppealAcceptedChangesTheColourRejectedDoesNot(t *testing.T) {
	n := newNodeServer(t)
	zhang := n.citizen(t, "13800138000", "张三丰", zhangID)
	li := n.citizen(t, "13900139000", "李四", liID)
	n.positive(t, zhangID)
	n.positive(t, liID)
	// Records changed: a status evaluated before them is stale; a recompute
	// would mark it due, here the first read after the evaluation does.
	for _, auth := range [][]string{zhang, li} {
		pid := n.personID(t, auth)
		if _, err := n.Citizens.(*node.CitizenService).Evaluate(context.Background(), pid); err != nil {
			t.Fatal(err)
		}
		if c := colourOf(t, n, auth); c != "red" {
			t.Fatalf("after a positive test: %s, want red", c)
		}
	}

	w := n.do("POST", "/api/v1/me/appeals", `{"reason":"化验室样本错配"}`, zhang...)
	wantStatus(t, w, http.StatusCreated)
	zhangAppeal := int64(decodeBody(t, w)["id"].(float64))
	w = n.do("POST", "/api/v1/me/appeals", `{"reason":"again, louder"}`, zhang...)
	wantStatus(t, w, http.StatusConflict)
	if e := errorOf(t, w); !strings.Contains(e.Message, "pending appeal") {
		t.Errorf("409 message %q", e.Message)
	}
	w = n.do("POST", "/api/v1/me/appeals", `{"reason":"I feel fine"}`, li...)
	wantStatus(t, w, http.StatusCreated)
	liAppeal := int64(decodeBody(t, w)["id"].(float64))

	// The queue, oldest first, masked.
	purpose := []string{"X-Purpose", "daily appeal review"}
	w = n.do("GET", "/api/v1/appeals?state=pending&limit=10", "", append(n.health, purpose...)...)
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	for _, secret := range []string{"张三丰", zhangID, "李四", liID} {
		if strings.Contains(body, secret) {
			t.Errorf("queue shows %q unmasked: %s", secret, body)
		}
	}
	var q appealQueue
	if err := json.Unmarshal(w.Body.Bytes(), &q); err != nil || len(q.Appeals) != 2 {
		t.Fatalf("queue: %v %s", err, body)
	}
	first := q.Appeals[0]
	if first.Appeal.ID != zhangAppeal || first.Person.Name != "张*丰" || first.Person.IDNumber != "11**************2X" ||
		first.Person.Status == nil || first.Person.Status.Colour != healthcode.Red || len(first.Person.Status.Reasons) == 0 {
		t.Fatalf("first in queue: %+v", first)
	}

	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	w = n.do("POST", fmt.Sprintf("/api/v1/appeals/%d/decision", zhangAppeal),
		`{"accept":true,"colour":"green","until":"`+until+`","reason":"lab confirmed the mix-up"}`, append(n.health, purpose...)...)
	wantStatus(t, w, http.StatusOK)
	w = n.do("POST", fmt.Sprintf("/api/v1/appeals/%d/decision", zhangAppeal),
		`{"accept":false,"reason":"second thoughts"}`, append(n.health, purpose...)...)
	wantStatus(t, w, http.StatusConflict)
	w = n.do("POST", fmt.Sprintf("/api/v1/appeals/%d/decision", liAppeal),
		`{"accept":false,"reason":"the positive result stands","purpose":"daily appeal review"}`, n.health...)
	wantStatus(t, w, http.StatusOK)

	if c := colourOf(t, n, zhang); c != "green" {
		t.Errorf("accepted appeal: the citizen sees %s, want green", c)
	}
	if c := colourOf(t, n, li); c != "red" {
		t.Errorf("rejected appeal: the citizen sees %s, want red", c)
	}

	// The citizen sees the outcome.
	w = n.do("GET", "/api/v1/me/appeals", "", zhang...)
	wantStatus(t, w, http.StatusOK)
	var mine appealList
	json.Unmarshal(w.Body.Bytes(), &mine)
	if len(mine.Appeals) != 1 || mine.Appeals[0].State != healthcode.AppealAccepted || mine.Appeals[0].CorrectedColour == nil ||
		*mine.Appeals[0].CorrectedColour != healthcode.Green || mine.Appeals[0].DecisionReason != "lab confirmed the mix-up" ||
		mine.Appeals[0].OverrideUntil.Format(time.RFC3339) != until {
		t.Fatalf("the citizen's appeals: %s", w.Body)
	}
	if strings.Contains(w.Body.String(), "cdc desk 3") {
		t.Errorf("the citizen's view names the deciding staff: %s", w.Body)
	}

	// And the reads of their data: the queue and the decision, nobody else's.
	w = n.do("GET", "/api/v1/me/access-log", "", zhang...)
	wantStatus(t, w, http.StatusOK)
	var log accessLogResponse
	json.Unmarshal(w.Body.Bytes(), &log)
	if len(log.Entries) != 2 {
		t.Fatalf("access log: %s", w.Body)
	}
	for _, e := range log.Entries {
		if e.Who != "cdc desk 3" || e.Role != healthcode.RoleHealth || e.What != "appeal" || e.Purpose != "daily appeal review" {
			t.Errorf("entry %+v", e)
		}
	}
	if !log.Entries[0].At.After(log.Entries[1].At) && log.Entries[0].ID < log.Entries[1].ID {
		t.Errorf("not newest first: %+v", log.Entries)
	}
}

// personID reads the caller's person id the way staff would find it.
func (n *nodeServer) personID(t *testing.T, auth []string) int64 {
	t.Helper()
	c, err := n.Auth.Authenticate(context.Background(), strings.TrimPrefix(auth[1], "Bearer "))
	if err != nil {
		t.Fatal(err)
	}
	return c.PersonID
}

func TestPersonReadsNeedPurposeAndAreLogged(t *testing.T) {
	n := newNodeServer(t)
	zhang := n.citizen(t, "13800138000", "张三丰", zhangID)
	li := n.citizen(t, "13900139000", "李四", liID)

	for _, tc := range []struct {
		name, method, path, body string
		header                   []string
		status                   int
		field                    string
	}{
		{"lookup without purpose", "POST", "/api/v1/persons/lookup", `{"id_number":"` + zhangID + `"}`, n.health, 400, "purpose"},
		{"lookup bad number", "POST", "/api/v1/persons/lookup", `{"id_number":"110105194912310021","purpose":"tracing"}`, n.health, 400, "id_number"},
		{"lookup bad type", "POST", "/api/v1/persons/lookup", `{"id_type":"badge","id_number":"x","purpose":"tracing"}`, n.health, 400, "id_type"},
		{"lookup unknown field", "POST", "/api/v1/persons/lookup", `{"idnumber":"x"}`, n.health, 400, "idnumber"},
		{"lookup nobody", "POST", "/api/v1/persons/lookup", `{"id_number":"110101199003070011","purpose":"tracing"}`, n.health, 404, ""},
		{"status without purpose", "GET", "/api/v1/persons/1/status", "", n.health, 400, "purpose"},
		{"status bad id", "GET", "/api/v1/persons/x/status?purpose=tracing", "", n.health, 400, "id"},
		{"status nobody", "GET", "/api/v1/persons/999/status?purpose=tracing", "", n.health, 404, ""},
		{"queue without purpose", "GET", "/api/v1/appeals", "", n.health, 400, "purpose"},
		{"queue bad state", "GET", "/api/v1/appeals?state=open&purpose=review", "", n.health, 400, "state"},
		{"queue bad limit", "GET", "/api/v1/appeals?limit=0&purpose=review", "", n.health, 400, "limit"},
		{"decision without accept", "POST", "/api/v1/appeals/1/decision", `{"reason":"records are right","purpose":"review"}`, n.health, 400, "accept"},
		{"decision without colour", "POST", "/api/v1/appeals/1/decision", `{"accept":true,"reason":"records are wrong","purpose":"review"}`, n.health, 400, "colour"},
		{"decision bad until", "POST", "/api/v1/appeals/1/decision", `{"accept":true,"colour":"green","until":"tomorrow","reason":"records are wrong","purpose":"review"}`, n.health, 400, "until"},
		{"decision short reason", "POST", "/api/v1/appeals/1/decision", `{"accept":false,"reason":"no","purpose":"review"}`, n.health, 400, "reason"},
		{"decision unknown appeal", "POST", "/api/v1/appeals/77/decision", `{"accept":false,"reason":"records are right","purpose":"review"}`, n.health, 404, ""},
		{"appeal short reason", "POST", "/api/v1/me/appeals", `{"reason":"bad"}`, zhang, 400, "reason"},
		{"appeal no reason", "POST", "/api/v1/me/appeals", `{}`, zhang, 400, "reason"},
		{"access log bad before", "GET", "/api/v1/me/access-log?before=-1", "", zhang, 400, "before"},
		{"access log bad limit", "GET", "/api/v1/me/access-log?limit=1000", "", zhang, 400, "limit"},
	} {
		w := n.do(tc.method, tc.path, tc.body, tc.header...)
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, w.Code, tc.status, w.Body)
			continue
		}
		if tc.field != "" && errorOf(t, w).Fields[tc.field] == "" {
			t.Errorf("%s: error does not name %q: %s", tc.name, tc.field, w.Body)
		}
	}

	w := n.do("POST", "/api/v1/persons/lookup", `{"id_type":"resident_id","id_number":"`+strings.ToLower(zhangID)+`"}`,
		append(n.health, "X-Purpose", "contact tracing")...)
	wantStatus(t, w, http.StatusOK)
	var p personResponse
	json.Unmarshal(w.Body.Bytes(), &p)
	if p.ID == 0 || p.Name != "张*丰" || p.IDNumber != "11**************2X" || p.Status == nil || p.Status.Colour != healthcode.Green {
		t.Fatalf("lookup: %s", w.Body)
	}
	if strings.Contains(w.Body.String(), zhangID) || strings.Contains(w.Body.String(), "张三丰") {
		t.Fatalf("lookup shows personal data unmasked: %s", w.Body)
	}
	w = n.do("GET", fmt.Sprintf("/api/v1/persons/%d/status?purpose=complaint%%20follow-up", p.ID), "", n.health...)
	wantStatus(t, w, http.StatusOK)
	if decodeBody(t, w)["colour"] != "green" {
		t.Fatalf("person status: %s", w.Body)
	}

	w = n.do("GET", "/api/v1/me/access-log?limit=1", "", zhang...)
	wantStatus(t, w, http.StatusOK)
	var log accessLogResponse
	json.Unmarshal(w.Body.Bytes(), &log)
	if len(log.Entries) != 1 || log.Entries[0].What != "status" || log.Entries[0].Purpose != "complaint follow-up" || log.NextBefore == 0 {
		t.Fatalf("first page: %s", w.Body)
	}
	w = n.do("GET", fmt.Sprintf("/api/v1/me/access-log?limit=1&before=%d", log.NextBefore), "", zhang...)
	json.Unmarshal(w.Body.Bytes(), &log)
	if len(log.Entries) != 1 || log.Entries[0].What != "profile,status" || log.Entries[0].Purpose != "contact tracing" || log.Entries[0].Who != "cdc desk 3" {
		t.Fatalf("second page: %s", w.Body)
	}
	// Nobody read 李四's data.
	w = n.do("GET", "/api/v1/me/access-log", "", li...)
	wantStatus(t, w, http.StatusOK)
	if json.Unmarshal(w.Body.Bytes(), &log); len(log.Entries) != 0 {
		t.Fatalf("another person's access log: %s", w.Body)
	}
}

func TestAppealAndPersonRoutesCheckRoles(t *testing.T) {
	n := newNodeServer(t)
	zhang := n.citizen(t, "13800138000", "张三丰", zhangID)
	purpose := []string{"X-Purpose", "review"}
	for _, tc := range []struct {
		method, path, body string
		citizenOK          bool
	}{
		{"POST", "/api/v1/me/appeals", `{"reason":"the lab mixed up my sample"}`, true},
		{"GET", "/api/v1/me/appeals", "", true},
		{"GET", "/api/v1/me/access-log", "", true},
		{"GET", "/api/v1/appeals", "", false},
		{"POST", "/api/v1/appeals/1/decision", `{"accept":false,"reason":"records are right"}`, false},
		{"POST", "/api/v1/persons/lookup", `{"id_number":"` + zhangID + `"}`, false},
		{"GET", "/api/v1/persons/1/status", "", false},
	} {
		name := tc.method + " " + tc.path
		if w := n.do(tc.method, tc.path, tc.body, purpose...); w.Code != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d", name, w.Code)
		}
		// The citizen's routes are not staff's, the staff routes not a
		// citizen's or an admin's.
		wrong := [][]string{n.admin}
		if tc.citizenOK {
			wrong = append(wrong, n.health)
		} else {
			wrong = append(wrong, zhang)
		}
		for _, auth := range wrong {
			if w := n.do(tc.method, tc.path, tc.body, append(auth, purpose...)...); w.Code != http.StatusForbidden {
				t.Errorf("%s as %s: %d, want 403", name, auth[1][:14], w.Code)
			}
		}
	}
}
