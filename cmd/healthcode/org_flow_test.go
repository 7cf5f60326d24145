package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// orgMember is a member as GET /orgs/{id}/members shows them.
type orgMember struct {
	Name               string
	IDNumber           string `json:"id_number"`
	Unit               string
	Registered         bool
	Colour             *string
	ActionRequired     bool `json:"action_required"`
	TestedWithinWindow bool `json:"tested_within_window"`
	Doses              int
}

type orgUnitReport struct {
	Unit                                 string
	Members, Green, Yellow, Red, Missing int
	Tested                               int `json:"tested_within_window"`
}

type orgDailyReport struct {
	OrgID string `json:"org_id"`
	Units []orgUnitReport
	Total orgUnitReport
	Live  bool
}

// TestOrgFlow walks organisations through `healthcode serve`: health
// staff create a community, an employer and a school; each imports its
// roster with bad rows reported by line; their managers see the colours
// and test compliance of their own members only, are refused another's
// members and any member's records; the daily report's counts follow the
// members' statuses, a positive test included.
func TestOrgFlow(t *testing.T) {
	n := startServe(t)
	health := n.token(t, "--role", "health", "--name", "cdc")
	lab := n.token(t, "--role", "provider", "--kind", "tests", "--name", "lab")
	if _, errOut, exit := runCmd(append([]string{"token", "create", "--role", "org", "--org", "G000099"}, n.store...)...); exit == 0 ||
		!strings.Contains(errOut, "G000099") {
		t.Fatalf("a token for no organisation: exit %d, %s", exit, errOut)
	}
	create := func(kind, name string) string {
		var o struct{ ID string }
		call(t, "POST", n.api+"/orgs", health, `{"kind":"`+kind+`","name":"`+name+`","division":"330106"}`, 201, &o)
		return o.ID
	}
	community, employer, school := create("community", "翠苑一区"), create("employer", "西溪制造厂"), create("school", "文一小学")
	manager := n.token(t, "--role", "org", "--org", community, "--name", "网格员")
	var hrTok struct{ Token string }
	call(t, "POST", n.api+"/orgs/"+employer+"/managers", health, `{"name":"hr"}`, 201, &hrTok)
	hr := hrTok.Token
	head := n.token(t, "--role", "org", "--org", school, "--name", "校长")

	ids := make([]string, 9)
	for i := range ids {
		ids[i] = residentID(800 + i)
	}
	roster := func(org, token, contentType, body string, added int, badLines ...int) {
		t.Helper()
		status, sum := request(t, "POST", n.api+"/orgs/"+org+"/roster", token, contentType, []byte(body))
		errs, _ := sum["errors"].([]any)
		if status != 200 || sum["added"] != float64(added) || len(errs) != len(badLines) {
			t.Fatalf("roster of %s: %d %v", org, status, sum)
		}
		for i, e := range errs {
			if line := e.(map[string]any)["line"]; line != float64(badLines[i]) {
				t.Errorf("roster of %s: error %d at line %v, want %d", org, i, line, badLines[i])
			}
		}
	}
	roster(community, manager, "text/csv", "id_number,name,unit\n"+ids[0]+",张一,1幢\n330106199001019999,坏号,1幢\n"+ids[1]+",张二,2幢\n"+ids[2]+",张三,2幢\n", 3, 3)
	roster(employer, hr, "application/x-ndjson", `{"id_number":"`+ids[3]+`","name":"李一","unit":"一车间"}`+"\n"+
		`{"id_number":"`+ids[4]+`","name":"李二","unit":"一车间"}`+"\n"+`{"id_type":"visa","id_number":"X1","name":"外"}`+"\n"+
		`{"id_number":"`+ids[0]+`","name":"张一","unit":"二车间"}`+"\n", 3, 3)
	roster(school, head, "text/csv", "id_type,id_number,name,unit\nresident_id,"+ids[5]+",王一,3班\nresident_id,"+ids[6]+",,3班\nresident_id,"+ids[7]+",王三,4班\nresident_id,"+ids[8]+",王四,4班\n", 3, 3)
	// A malformed file is refused whole.
	if status, _ := request(t, "POST", n.api+"/orgs/"+school+"/roster", head, "text/csv", []byte("id_number,name,grade\n"+ids[6]+",王二,3\n")); status != 400 {
		t.Fatalf("a roster with an unknown column: %d", status)
	}

	// Members register; the lab reports tests: negative for the employer's
	// 李一 and 张一, positive for the school's 王三.
	for i, id := range []string{ids[0], ids[1], ids[3], ids[4], ids[5], ids[7]} {
		registered(t, n, fmt.Sprintf("1390013%04d", i), "成员", id)
	}
	sampled := time.Now().Add(-5 * time.Hour).Format(time.RFC3339)
	tests := "id,id_number,sampled_at,result,lab\norg-1," + ids[3] + "," + sampled + ",negative,City Lab\norg-2," + ids[0] + "," + sampled +
		",negative,City Lab\norg-3," + ids[7] + "," + sampled + ",positive,City Lab\n"
	if status, out := request(t, "POST", n.api+"/records/tests", lab, "text/csv", []byte(tests)); status != 200 || out["accepted"] != 3.0 {
		t.Fatalf("tests: %d %v", status, out)
	}

	purpose := "?purpose=" + url.QueryEscape("每日健康统计")
	members := func(org, token string) []orgMember {
		var page struct{ Members []orgMember }
		call(t, "GET", n.api+"/orgs/"+org+"/members"+purpose, token, "", 200, &page)
		return page.Members
	}
	report := func(org, token string) orgDailyReport {
		var r orgDailyReport
		call(t, "GET", n.api+"/orgs/"+org+"/report", token, "", 200, &r)
		return r
	}
	// The import's recompute stores the statuses in the background.
	deadline := time.Now().Add(15 * time.Second)
	for report(school, head).Total.Red != 1 || report(employer, hr).Total.Tested != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("reports never followed the tests: school %+v, employer %+v", report(school, head), report(employer, hr))
		}
		time.Sleep(50 * time.Millisecond)
	}

	colour := func(m orgMember) string {
		if m.Colour == nil {
			return "none"
		}
		return *m.Colour
	}
	emp := members(employer, hr)
	if len(emp) != 3 || colour(emp[0]) != "green" || !emp[0].TestedWithinWindow || colour(emp[1]) != "green" || emp[1].TestedWithinWindow ||
		emp[2].Unit != "二车间" || !emp[2].TestedWithinWindow {
		t.Errorf("the employer's members: %+v", emp)
	}
	for _, m := range emp {
		if strings.Contains(m.IDNumber, ids[3][6:14]) || m.Name == "李一" {
			t.Errorf("a member unmasked: %+v", m)
		}
	}
	sch := members(school, head)
	if len(sch) != 3 || colour(sch[0]) != "green" || colour(sch[1]) != "red" || colour(sch[2]) != "none" || sch[2].Registered {
		t.Errorf("the school's members: %+v", sch)
	}
	com := members(community, manager)
	if len(com) != 3 || colour(com[0]) != "green" || !com[0].TestedWithinWindow || colour(com[2]) != "none" {
		t.Errorf("the community's members: %+v", com)
	}

	// Each report matches its members' statuses.
	for _, tc := range []struct {
		org, token string
		want       orgUnitReport
	}{
		{community, manager, orgUnitReport{Members: 3, Green: 2, Missing: 1, Tested: 1}},
		{employer, hr, orgUnitReport{Members: 3, Green: 3, Tested: 2}},
		{school, head, orgUnitReport{Members: 3, Green: 1, Red: 1, Missing: 1}},
	} {
		r := report(tc.org, tc.token)
		if r.Total != tc.want || !r.Live {
			t.Errorf("report of %s: total %+v, want %+v", tc.org, r.Total, tc.want)
		}
		var sum orgUnitReport
		for _, u := range r.Units {
			sum.Members += u.Members
			sum.Green += u.Green
			sum.Red += u.Red
			sum.Missing += u.Missing
			sum.Tested += u.Tested
		}
		if sum != tc.want {
			t.Errorf("report of %s: units add up to %+v", tc.org, sum)
		}
	}
	if r := report(school, head); len(r.Units) != 2 || r.Units[1] != (orgUnitReport{Unit: "4班", Members: 2, Red: 1, Missing: 1}) {
		t.Errorf("the school's classes: %+v", r.Units)
	}

	// A manager of one organisation reads nothing of another, nor any
	// member's records.
	for _, tc := range []struct{ method, path, token string }{
		{"GET", "/orgs/" + employer + "/members" + purpose, head},
		{"GET", "/orgs/" + school + "/members" + purpose, hr},
		{"GET", "/orgs/" + community + "/members" + purpose, hr},
		{"GET", "/orgs/" + community + "/report", head},
		{"GET", "/persons/1/status" + purpose, manager},
		{"POST", "/persons/lookup" + purpose, hr},
		{"GET", "/appeals" + purpose, head},
	} {
		body := ""
		if tc.method == "POST" {
			body = `{"id_number":"` + ids[3] + `"}`
		}
		if status, out := request(t, tc.method, n.api+tc.path, tc.token, "application/json", []byte(body)); status != 403 {
			t.Errorf("%s %s: %d %v, want 403", tc.method, tc.path, status, out)
		}
	}
}
