package http

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// orgNode is a nodeServer with organisations served.
type orgNode struct {
	*nodeServer
}

func newOrgNode(t *testing.T) *orgNode {
	n := newNodeServer(t)
	n.Orgs = &node.OrgService{Store: n.db, Box: n.db.Box(), Audit: n.Audit.(*node.Audit), Now: time.Now, Logger: discardLogger}
	return &orgNode{nodeServer: n}
}

// createOrg creates an organisation through the API and returns its id
// and a manager's token (of unit, when not empty).
func (n *orgNode) createOrg(t *testing.T, kind, name string) string {
	t.Helper()
	w := n.do("POST", "/api/v1/orgs", `{"kind":"`+kind+`","name":"`+name+`","division":"330106"}`, n.health...)
	wantStatus(t, w, http.StatusCreated)
	return decodeBody(t, w)["id"].(string)
}

func (n *orgNode) manager(t *testing.T, orgID, unit string) []string {
	t.Helper()
	w := n.do("POST", "/api/v1/orgs/"+orgID+"/managers", `{"name":"manager","unit":"`+unit+`"}`, n.health...)
	wantStatus(t, w, http.StatusCreated)
	return []string{"Authorization", "Bearer " + decodeBody(t, w)["token"].(string)}
}

func (n *orgNode) roster(t *testing.T, orgID, csv string, auth []string) map[string]any {
	t.Helper()
	w := n.do("POST", "/api/v1/orgs/"+orgID+"/roster", csv, append([]string{"Content-Type", "text/csv"}, auth...)...)
	wantStatus(t, w, http.StatusOK)
	return decodeBody(t, w)
}

const wangID = "110105200001010016"

// TestOrgManagersSeeTheirOwnMembersOnly: a manager sees colours and test
// compliance of their own organisation's members, masked, and nothing of
// another organisation nor any member's records; a unit's token sees its
// unit only.
func TestOrgManagersSeeTheirOwnMembersOnly(t *testing.T) {
	n := newOrgNode(t)
	school := n.createOrg(t, healthcode.OrgSchool, "文一小学")
	employer := n.createOrg(t, healthcode.OrgEmployer, "西溪厂")
	head, hr := n.manager(t, school, ""), n.manager(t, employer, "")
	teacher := n.manager(t, school, "3班")
	zhang := n.citizen(t, "13800138000", "张三丰", zhangID)
	purpose := []string{"X-Purpose", "晨检核对"}
	with := func(auth []string, more ...string) []string { return append(append([]string{}, auth...), more...) }

	sum := n.roster(t, school, "id_number,name,unit\n"+zhangID+",张三丰,3班\n110101199003077775,李四,3班\n"+liID+",李四,4班\n", head)
	if sum["added"] != 2.0 || sum["rejected"] != 1.0 {
		t.Fatalf("roster summary %v", sum)
	}
	if e := sum["errors"].([]any)[0].(map[string]any); e["line"] != 3.0 || e["field"] != "id_number" {
		t.Fatalf("row error %v", e)
	}
	// A malformed file is refused whole.
	w := n.do("POST", "/api/v1/orgs/"+school+"/roster", "id_number,name,class\n"+wangID+",王五,5班\n",
		append([]string{"Content-Type", "text/csv"}, head...)...)
	wantStatus(t, w, http.StatusBadRequest)
	n.roster(t, employer, "id_number,name\n"+liID+",李四\n", hr)

	refused := []struct {
		name, method, path string
		auth               []string
		body               string
		status             int
	}{
		{"another school's members", "GET", "/api/v1/orgs/" + school + "/members", with(hr, purpose...), "", http.StatusForbidden},
		{"another school's report", "GET", "/api/v1/orgs/" + school + "/report", hr, "", http.StatusForbidden},
		{"another school's roster", "POST", "/api/v1/orgs/" + school + "/roster", with(hr, "Content-Type", "text/csv"), "id_number,name\n" + wangID + ",王五\n", http.StatusForbidden},
		{"another school's invitation", "POST", "/api/v1/orgs/" + school + "/invitations", hr, `{}`, http.StatusForbidden},
		{"another school's settings", "PUT", "/api/v1/orgs/" + school, hr, `{"webhook":"https://example.org/x"}`, http.StatusForbidden},
		{"a member's status", "GET", "/api/v1/persons/1/status", with(head, purpose...), "", http.StatusForbidden},
		{"a person lookup", "POST", "/api/v1/persons/lookup", with(head, purpose...), `{"id_number":"` + zhangID + `"}`, http.StatusForbidden},
		{"the appeal queue", "GET", "/api/v1/appeals", with(head, purpose...), "", http.StatusForbidden},
		{"records", "POST", "/api/v1/records/tests", with(head, "Content-Type", "text/csv"), "id,id_number,sampled_at,result\n", http.StatusForbidden},
		{"members without a purpose", "GET", "/api/v1/orgs/" + school + "/members", head, "", http.StatusBadRequest},
		{"another unit's members", "GET", "/api/v1/orgs/" + school + "/members?unit=4班", with(teacher, purpose...), "", http.StatusForbidden},
		{"a manager makes managers", "POST", "/api/v1/orgs/" + school + "/managers", head, `{"name":"x"}`, http.StatusForbidden},
		{"a manager creates an organisation", "POST", "/api/v1/orgs", head, `{"kind":"school","name":"x","division":"330106"}`, http.StatusForbidden},
		{"a manager renames", "PUT", "/api/v1/orgs/" + school, head, `{"name":"x"}`, http.StatusBadRequest},
		{"a citizen reads members", "GET", "/api/v1/orgs/" + school + "/members", with(zhang, purpose...), "", http.StatusForbidden},
		{"no such organisation", "GET", "/api/v1/orgs/G000099/report", n.health, "", http.StatusNotFound},
		{"a token for no organisation", "POST", "/api/v1/orgs/G000099/managers", n.health, `{"name":"x"}`, http.StatusNotFound},
	}
	for _, tt := range refused {
		if w := n.do(tt.method, tt.path, tt.body, tt.auth...); w.Code != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, w.Code, tt.status, w.Body)
		}
	}

	w = n.do("GET", "/api/v1/orgs/"+school+"/members", "", with(head, purpose...)...)
	wantStatus(t, w, http.StatusOK)
	var page struct {
		Members []map[string]any `json:"members"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Members) != 2 {
		t.Fatalf("members %v", page.Members)
	}
	z := page.Members[0]
	if z["registered"] != true || z["colour"] != "green" || z["name"] == "张三丰" || strings.Contains(z["id_number"].(string), zhangID[4:14]) {
		t.Errorf("member as the manager sees them: %v", z)
	}
	for k := range z {
		switch k {
		case "id", "name", "id_number", "unit", "registered", "colour", "action_required", "tested_within_window", "doses":
		default:
			t.Errorf("a manager sees %q of a member", k)
		}
	}
	if m := page.Members[1]; m["registered"] != false || m["colour"] != nil {
		t.Errorf("unregistered member %v", m)
	}
	// The read is in zhang's access log.
	w = n.do("GET", "/api/v1/me/access-log", "", zhang...)
	wantStatus(t, w, http.StatusOK)
	if !strings.Contains(w.Body.String(), node.ReadOrgMember) || !strings.Contains(w.Body.String(), "晨检核对") {
		t.Errorf("access log %s", w.Body)
	}
	// The class teacher sees the class only.
	w = n.do("GET", "/api/v1/orgs/"+school+"/members", "", with(teacher, purpose...)...)
	wantStatus(t, w, http.StatusOK)
	if got := decodeBody(t, w)["members"].([]any); len(got) != 1 || got[0].(map[string]any)["unit"] != "3班" {
		t.Errorf("teacher sees %v", got)
	}

	// The manager sets the webhook and the window.
	w = n.do("PUT", "/api/v1/orgs/"+school, `{"webhook":"https://example.org/hook","test_window_hours":72}`, head...)
	wantStatus(t, w, http.StatusOK)
	if b := decodeBody(t, w); b["webhook"] != "https://example.org/hook" || b["test_window_hours"] != 72.0 || b["name"] != "文一小学" {
		t.Errorf("updated %v", b)
	}
	wantStatus(t, n.do("PUT", "/api/v1/orgs/"+school, `{"webhook":"ftp://x"}`, head...), http.StatusBadRequest)
}

func TestOrgReportFormats(t *testing.T) {
	n := newOrgNode(t)
	school := n.createOrg(t, healthcode.OrgSchool, "文一小学")
	head := n.manager(t, school, "")
	n.positive(t, liID) // before li registers: her first status is red
	n.citizen(t, "13800138000", "张三丰", zhangID)
	li := n.citizen(t, "13900139000", "李四", liID)
	n.roster(t, school, "id_number,name,unit\n"+zhangID+",张三丰,3班\n"+liID+",李四,3班\n"+wangID+",王五,4班\n", head)
	// The positive test is judged when li's status is read.
	wantStatus(t, n.do("GET", "/api/v1/me/status", "", li...), http.StatusOK)

	w := n.do("GET", "/api/v1/orgs/"+school+"/report", "", head...)
	wantStatus(t, w, http.StatusOK)
	var rep healthcode.OrgReport
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	want := healthcode.UnitReport{Members: 3, Green: 1, Red: 1, Missing: 1}
	if rep.Total != want || len(rep.Units) != 2 || rep.Units[0].Unit != "3班" || !rep.Live {
		t.Fatalf("report %+v, want total %+v", rep, want)
	}
	w = n.do("GET", "/api/v1/orgs/"+school+"/report?format=csv", "", head...)
	wantStatus(t, w, http.StatusOK)
	if body := w.Body.String(); !strings.HasPrefix(body, "unit,members,green,yellow,red,tested_within_window,missing\n3班,2,1,0,1,0,0\n") ||
		!strings.HasSuffix(body, "total,3,1,0,1,0,1\n") {
		t.Errorf("csv %q", body)
	}
	w = n.do("GET", "/api/v1/orgs/"+school+"/report?format=html", "", head...)
	wantStatus(t, w, http.StatusOK)
	if body := w.Body.String(); !strings.Contains(body, "文一小学") || strings.Contains(body, "http://") || strings.Contains(body, "<script") {
		t.Errorf("html %s", body)
	}
	if w.Header().Get("Content-Security-Policy") == "" {
		t.Error("no CSP on the printable report")
	}
	wantStatus(t, n.do("GET", "/api/v1/orgs/"+school+"/report?date=2001-01-01", "", head...), http.StatusNotFound)
	wantStatus(t, n.do("GET", "/api/v1/orgs/"+school+"/report?date=2999-01-01", "", head...), http.StatusBadRequest)
	wantStatus(t, n.do("GET", "/api/v1/orgs/"+school+"/report?date=yesterday", "", head...), http.StatusBadRequest)
}

func TestOrgInvitations(t *testing.T) {
	n := newOrgNode(t)
	community := n.createOrg(t, healthcode.OrgCommunity, "翠苑一区")
	manager := n.manager(t, community, "")
	w := n.do("POST", "/api/v1/orgs/"+community+"/invitations", `{"unit":"1幢","valid_hours":24}`, manager...)
	wantStatus(t, w, http.StatusCreated)
	code := decodeBody(t, w)["code"].(string)
	zhang := n.citizen(t, "13800138000", "张三丰", zhangID)

	wantStatus(t, n.do("POST", "/api/v1/me/orgs", `{"invitation":"NOPE-NOPE-NO"}`, zhang...), http.StatusNotFound)
	w = n.do("POST", "/api/v1/me/orgs", `{"invitation":"`+strings.ToLower(code)+`"}`, zhang...)
	wantStatus(t, w, http.StatusCreated)
	if b := decodeBody(t, w); b["org_id"] != community || b["unit"] != "1幢" || b["source"] != "invitation" {
		t.Errorf("joined %v", b)
	}
	wantStatus(t, n.do("POST", "/api/v1/me/orgs", `{"invitation":"`+code+`"}`, zhang...), http.StatusConflict)
	w = n.do("GET", "/api/v1/me/orgs", "", zhang...)
	wantStatus(t, w, http.StatusOK)
	if orgs := decodeBody(t, w)["orgs"].([]any); len(orgs) != 1 {
		t.Fatalf("memberships %v", orgs)
	}
	w = n.do("GET", "/api/v1/orgs/"+community+"/report", "", manager...)
	if b := decodeBody(t, w); b["total"].(map[string]any)["members"] != 1.0 {
		t.Errorf("report after joining %v", b)
	}
	wantStatus(t, n.do("DELETE", "/api/v1/me/orgs/"+community, "", zhang...), http.StatusNoContent)
	wantStatus(t, n.do("DELETE", "/api/v1/me/orgs/"+community, "", zhang...), http.StatusNotFound)
	// Only the code's hash is kept.
	var n2 int
	if err := n.db.SQL().QueryRow(`SELECT count(*) FROM org_invitations WHERE code_hash = $1`, []byte(code)).Scan(&n2); err != nil || n2 != 0 {
		t.Errorf("code stored in the clear (%d, %v)", n2, err)
	}
}
