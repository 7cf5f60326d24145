package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// resumptionReport is GET /orgs/{id}/resumption as the employer reads it.
type resumptionReport struct {
	State   string
	Members int
	Ready   int
	Share   float64
	People  []struct {
		Name      string
		MayReturn bool `json:"may_return"`
		Why       string
	}
}

// TestResumptionFlow walks resumption of work and returnees through
// `healthcode serve`: an employer of four applies with nobody tested and
// stays pending; with three of four tested negative it is still below the
// default threshold (0.9); the health authority sets 0.75 and the sweep
// approves the application with nobody reading it. A venue whose policy
// names the employer admits a member and turns away a non-member. A
// community's member back from Beijing 3 days ago is on its returnee list
// with 11 days remaining.
func TestResumptionFlow(t *testing.T) {
	n := startServe(t, "--resumption-interval", "100ms")
	db := nodeStore(t, n)
	ctx := context.Background()
	staff := []string{residentID(701), residentID(702), residentID(703), residentID(704)}
	returnee := residentID(705)
	org := func(kind, name string, ids ...string) string {
		o := &healthcode.Org{Kind: kind, Name: name, Division: "330106"}
		if err := db.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		ms := make([]*healthcode.OrgMember, len(ids))
		for i, id := range ids {
			ms[i] = &healthcode.OrgMember{Unit: "一车间", IDType: string(healthcode.IDResident), IDNumber: id, Name: fmt.Sprintf("员工%d", i)}
		}
		if _, _, err := db.AddOrgMembers(ctx, o.ID, ms); err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	employer := org(healthcode.OrgEmployer, "西溪制造厂", staff...)
	community := org(healthcode.OrgCommunity, "翠苑一区", returnee)
	hr := n.token(t, "--role", "org", "--org", employer, "--name", "hr")
	manager := n.token(t, "--role", "org", "--org", community, "--name", "翠苑社区")
	health := n.token(t, "--role", "health", "--name", "cdc")
	lab := n.token(t, "--role", "provider", "--kind", "tests", "--name", "lab")
	carrier := n.token(t, "--role", "provider", "--kind", "travel", "--name", "railway")
	purpose := "?purpose=" + url.QueryEscape("复工审核")

	tokens := make([]string, 3) // the fourth never registers
	for i := range tokens {
		tokens[i] = registered(t, n, fmt.Sprintf("1380013870%d", i), fmt.Sprintf("员工%d", i), staff[i])
	}
	outsider := registered(t, n, "13800138709", "赵六", returnee)

	var rep resumptionReport
	call(t, "POST", n.api+"/orgs/"+employer+"/resumption", hr, "", 201, &rep)
	if rep.State != "pending" || rep.Members != 4 || rep.Ready != 0 {
		t.Fatalf("applied with nobody tested: %+v", rep)
	}
	call(t, "POST", n.api+"/orgs/"+community+"/resumption", manager, "", 400, nil)

	sampled := time.Now().Add(-3 * time.Hour).Format(time.RFC3339)
	var file strings.Builder
	file.WriteString("id,id_number,sampled_at,result,lab\n")
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&file, "resume-%d,%s,%s,negative,City Lab\n", i, staff[i], sampled)
	}
	if status, out := request(t, "POST", n.api+"/records/tests", lab, "text/csv", []byte(file.String())); status != 200 || out["accepted"] != 3.0 {
		t.Fatalf("tests import: %d %v", status, out)
	}
	// Three of four ready (once the import's recompute has stored their
	// statuses): read, still below 0.9.
	deadline := time.Now().Add(10 * time.Second)
	for {
		rep = resumptionReport{} // "why" is left out when empty: decode each answer afresh
		call(t, "GET", n.api+"/orgs/"+employer+"/resumption"+purpose, hr, "", 200, &rep)
		if rep.Ready == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rep.State != "pending" || rep.Ready != 3 || rep.Share != 0.75 || len(rep.People) != 4 {
		t.Fatalf("three of four ready: %+v, want pending at 0.75", rep)
	}
	whys := map[string]int{}
	for _, p := range rep.People {
		whys[p.Why]++
	}
	if whys[""] != 3 || whys[healthcode.NotReadyNoCode] != 1 {
		t.Errorf("who may return: %+v", rep.People)
	}

	// The health authority sets 0.75: the sweep approves, nobody reads.
	call(t, "PUT", n.api+"/resumption/threshold", health, `{"share":0.75}`, 200, nil)
	var list struct {
		Applications []struct {
			OrgID         string `json:"org_id"`
			State         string
			ApprovedShare float64 `json:"approved_share"`
		}
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		call(t, "GET", n.api+"/resumption?state=approved", health, "", 200, &list)
		if len(list.Applications) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(list.Applications) != 1 || list.Applications[0].OrgID != employer || list.Applications[0].ApprovedShare != 0.75 {
		t.Fatalf("approved applications: %+v, want the employer at 0.75", list.Applications)
	}

	// The employer's office admits its staff only.
	var v struct{ ID string }
	call(t, "POST", n.api+"/venues", health, `{"name":"西溪制造厂办公楼","kind":"office","division":"330106",`+
		`"policy":{"colours":["green"],"action_required_blocks":true,"employer":"`+employer+`"}}`, 201, &v)
	call(t, "POST", n.api+"/venues", health, `{"name":"楼","kind":"office","division":"330106",`+
		`"policy":{"colours":["green"],"employer":"`+community+`"}}`, 400, nil)
	var dev struct{ Token string }
	call(t, "POST", n.api+"/venues/"+v.ID+"/devices", health, `{"name":"gate"}`, 201, &dev)
	if res := scan(t, n, dev.Token, codeOf(t, n, tokens[0]), "in"); res.Verdict != "pass" {
		t.Errorf("a member at the employer's door: %+v", res)
	}
	if res := scan(t, n, dev.Token, codeOf(t, n, outsider), "in"); res.Verdict != "deny" || !hasReason(res, healthcode.DenyNotEmployed) {
		t.Errorf("a non-member at the employer's door: %+v", res)
	}

	// Back from Beijing 3 days ago: on the community's list, 11 days to go.
	from, to := time.Now().Add(-6*24*time.Hour).Format(time.RFC3339), time.Now().Add(-3*24*time.Hour).Format(time.RFC3339)
	travel := "id,id_number,division,from,to\nrail-1," + returnee + ",110105," + from + "," + to + "\n"
	if status, out := request(t, "POST", n.api+"/records/travel", carrier, "text/csv", []byte(travel)); status != 200 || out["accepted"] != 1.0 {
		t.Fatalf("travel import: %d %v", status, out)
	}
	var returnees struct {
		Returnees []struct {
			Name          string
			Unit          string
			DaysRemaining int    `json:"days_remaining"`
			FromDivision  string `json:"from_division"`
		}
	}
	call(t, "GET", n.api+"/orgs/"+community+"/returnees"+purpose, manager, "", 200, &returnees)
	if len(returnees.Returnees) != 1 {
		t.Fatalf("returnees %+v, want one", returnees.Returnees)
	}
	if r := returnees.Returnees[0]; r.Name != "员*0" || r.Unit != "一车间" || r.DaysRemaining != 11 || r.FromDivision != "110100" {
		t.Errorf("returnee %+v, want 员*0 of 一车间 from 110100 with 11 days remaining", r)
	}
	call(t, "GET", n.api+"/orgs/"+community+"/returnees"+purpose, hr, "", 403, nil)

	// The returnee sees the community's read in their access log.
	var log struct {
		Entries []struct{ What, Purpose string }
	}
	call(t, "GET", n.api+"/me/access-log", outsider, "", 200, &log)
	found := false
	for _, e := range log.Entries {
		found = found || e.What == "returnees of "+community && e.Purpose == "复工审核"
	}
	if !found {
		t.Errorf("access log %+v does not show the returnee list", log.Entries)
	}
}
