package http

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// resumeNode is a nodeServer with the returnees and resumption of work
// served.
type resumeNode struct {
	*nodeServer
}

func newResumeNode(t *testing.T) *resumeNode {
	n := newNodeServer(t)
	n.Resumptions = &node.ResumptionService{Store: n.db, Region: "CN-330100", Now: time.Now,
		Audit: &node.Audit{Store: n.db, Now: time.Now, Logger: discardLogger}, Logger: discardLogger}
	return &resumeNode{nodeServer: n}
}

func (n *resumeNode) org(t *testing.T, kind, name string, ids ...string) string {
	t.Helper()
	ctx := context.Background()
	o := &healthcode.Org{Kind: kind, Name: name, Division: "330106"}
	if err := n.db.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	ms := make([]*healthcode.OrgMember, len(ids))
	for i, id := range ids {
		ms[i] = &healthcode.OrgMember{Unit: "1", IDType: string(healthcode.IDResident), IDNumber: id, Name: "成员" + id[len(id)-2:]}
	}
	if _, _, err := n.db.AddOrgMembers(ctx, o.ID, ms); err != nil {
		t.Fatal(err)
	}
	return o.ID
}

func (n *resumeNode) token(t *testing.T, role healthcode.Role, orgID string) []string {
	t.Helper()
	req := node.StaffTokenRequest{Role: role, Name: string(role) + " " + orgID, OrgID: orgID}
	if role == healthcode.RoleProvider {
		req.DataKind = "tests"
	}
	tok, _, err := node.CreateStaffToken(context.Background(), n.db, req, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return []string{"Authorization", "Bearer " + tok}
}

// TestResumptionRoutesRoles: who may read and act on returnees, an
// employer's application and the threshold, over HTTP.
func TestResumptionRoutesRoles(t *testing.T) {
	n := newResumeNode(t)
	employer := n.org(t, healthcode.OrgEmployer, "西溪厂", zhangID, liID)
	otherEmployer := n.org(t, healthcode.OrgEmployer, "东站厂")
	community := n.org(t, healthcode.OrgCommunity, "翠苑一区", liID)
	hr, otherHR := n.token(t, healthcode.RoleOrg, employer), n.token(t, healthcode.RoleOrg, otherEmployer)
	manager := n.token(t, healthcode.RoleOrg, community)
	provider := n.token(t, healthcode.RoleProvider, "")
	zhang := n.citizen(t, "13800138000", "张三丰", zhangID)
	purpose := []string{"X-Purpose", "复工核查"}
	with := func(auth []string, more ...string) []string { return append(append([]string{}, auth...), more...) }

	refused := []struct {
		name, method, path string
		auth               []string
		body               string
		status             int
	}{
		{"another employer reads", "GET", "/api/v1/orgs/" + employer + "/resumption", with(otherHR, purpose...), "", http.StatusForbidden},
		{"another employer applies", "POST", "/api/v1/orgs/" + employer + "/resumption", otherHR, "", http.StatusForbidden},
		{"another organisation's returnees", "GET", "/api/v1/orgs/" + community + "/returnees", with(hr, purpose...), "", http.StatusForbidden},
		{"a community applies", "POST", "/api/v1/orgs/" + community + "/resumption", manager, "", http.StatusBadRequest},
		{"a citizen reads", "GET", "/api/v1/orgs/" + employer + "/resumption", with(zhang, purpose...), "", http.StatusForbidden},
		{"a citizen applies", "POST", "/api/v1/orgs/" + employer + "/resumption", zhang, "", http.StatusForbidden},
		{"a citizen's returnees", "GET", "/api/v1/orgs/" + community + "/returnees", with(zhang, purpose...), "", http.StatusForbidden},
		{"a provider", "GET", "/api/v1/orgs/" + employer + "/resumption", with(provider, purpose...), "", http.StatusForbidden},
		{"no purpose", "GET", "/api/v1/orgs/" + employer + "/resumption", hr, "", http.StatusBadRequest},
		{"an employer's returnees", "GET", "/api/v1/orgs/" + employer + "/returnees", with(hr, purpose...), "", http.StatusBadRequest},
		{"an employer lists applications", "GET", "/api/v1/resumption", hr, "", http.StatusForbidden},
		{"an employer reads the threshold", "GET", "/api/v1/resumption/threshold", hr, "", http.StatusForbidden},
		{"an employer sets the threshold", "PUT", "/api/v1/resumption/threshold", hr, `{"share":0.1}`, http.StatusForbidden},
		{"a share above 1", "PUT", "/api/v1/resumption/threshold", n.health, `{"share":1.5}`, http.StatusBadRequest},
		{"no such organisation", "POST", "/api/v1/orgs/G000099/resumption", n.health, "", http.StatusNotFound},
	}
	for _, tt := range refused {
		if w := n.do(tt.method, tt.path, tt.body, tt.auth...); w.Code != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, w.Code, tt.status, w.Body)
		}
	}
	w := n.do("POST", "/api/v1/orgs/"+community+"/resumption", "", manager...)
	if msg := w.Body.String(); !strings.Contains(msg, "community") {
		t.Errorf("a community's application refused with %s: the kind is not named", msg)
	}

	w = n.do("POST", "/api/v1/orgs/"+employer+"/resumption", "", hr...)
	wantStatus(t, w, http.StatusCreated)
	if b := decodeBody(t, w); b["state"] != "pending" || b["members"] != 2.0 || b["threshold"] != 0.9 || b["people"] != nil {
		t.Errorf("applied: %v", b)
	}
	wantStatus(t, n.do("POST", "/api/v1/orgs/"+employer+"/resumption", "", hr...), http.StatusOK)
	w = n.do("GET", "/api/v1/orgs/"+employer+"/resumption", "", with(hr, purpose...)...)
	wantStatus(t, w, http.StatusOK)
	b := decodeBody(t, w)
	people, _ := b["people"].([]any)
	if len(people) != 2 {
		t.Fatalf("people %v", b["people"])
	}
	whys := map[string]any{}
	for _, p := range people {
		m := p.(map[string]any)
		whys[m["name"].(string)] = m["why"]
		for _, k := range []string{"colour", "reasons", "person_id", "id_number", "latest_test"} {
			if _, ok := m[k]; ok {
				t.Errorf("a member shows %s: %v", k, m)
			}
		}
	}
	// 张三丰 registered and declared but never tested; 李四 not registered.
	if whys["成*X"] != healthcode.NotReadyNotTested || whys["成*4"] != healthcode.NotReadyNoCode {
		t.Errorf("why = %v", whys)
	}

	wantStatus(t, n.do("PUT", "/api/v1/resumption/threshold", `{"share":0.5}`, n.health...), http.StatusOK)
	w = n.do("GET", "/api/v1/resumption/threshold", "", n.admin...)
	wantStatus(t, w, http.StatusOK)
	if b := decodeBody(t, w); b["share"] != 0.5 || b["updated_by"] != "cdc desk 3" {
		t.Errorf("threshold %v", b)
	}
	w = n.do("GET", "/api/v1/resumption?state=pending", "", n.health...)
	wantStatus(t, w, http.StatusOK)
	if apps := decodeBody(t, w)["applications"].([]any); len(apps) != 1 || apps[0].(map[string]any)["org_name"] != "西溪厂" {
		t.Errorf("pending applications %v", apps)
	}
	w = n.do("GET", "/api/v1/orgs/"+community+"/returnees", "", with(manager, purpose...)...)
	wantStatus(t, w, http.StatusOK)
	if r := decodeBody(t, w)["returnees"].([]any); len(r) != 0 {
		t.Errorf("returnees %v, want none", r)
	}
}
