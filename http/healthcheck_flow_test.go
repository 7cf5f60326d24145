package http

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/status"
)

// checkNode is a nodeServer with the health checks served, organisations
// and their managers' tokens.
type checkNode struct {
	*nodeServer
	checks *node.HealthChecks
}

func newCheckNode(t *testing.T) *checkNode {
	n := newNodeServer(t)
	citizens := &node.CitizenService{Store: n.db, Policy: status.DefaultPolicy(), Region: "CN-330100", Now: time.Now, Logger: discardLogger}
	hc := &node.HealthChecks{Store: n.db, Citizens: citizens, Audit: &node.Audit{Store: n.db, Now: time.Now, Logger: discardLogger}, Now: time.Now}
	n.HealthChecks = hc
	return &checkNode{nodeServer: n, checks: hc}
}

func (n *checkNode) org(t *testing.T, kind, name string) string {
	t.Helper()
	o := &healthcode.Org{Kind: kind, Name: name, Division: "330106", TestWindow: healthcode.DefaultTestWindow}
	if err := n.db.CreateOrg(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// member puts idNumber on orgID's roster in unit and returns the member id.
func (n *checkNode) member(t *testing.T, orgID, unit, idNumber, name string) int64 {
	t.Helper()
	m := &healthcode.OrgMember{Unit: unit, IDType: string(healthcode.IDResident), IDNumber: idNumber, Name: name,
		Source: healthcode.MemberFromRoster}
	if _, _, err := n.db.AddOrgMembers(context.Background(), orgID, []*healthcode.OrgMember{m}); err != nil {
		t.Fatal(err)
	}
	ms, err := n.db.CheckRoster(context.Background(), orgID, unit)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ms {
		if string(x.PersonKey) == string(n.db.Box().PersonKey(idNumber)) {
			return x.ID
		}
	}
	t.Fatalf("member %s not on the roster", idNumber)
	return 0
}

func (n *checkNode) orgToken(t *testing.T, orgID, unit string) []string {
	t.Helper()
	tok, _, err := node.CreateStaffToken(context.Background(), n.db,
		node.StaffTokenRequest{Role: healthcode.RoleOrg, Name: orgID + " " + unit, OrgID: orgID, OrgUnit: unit}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return []string{"Authorization", "Bearer " + tok}
}

// residentID is a valid resident id number ending in serial.
func residentID(serial int) string {
	d := fmt.Sprintf("33010620150101%03d", serial)
	return d + string(idnum.CheckCharacter(d))
}

// TestSchoolChecksRoles: who may enter and see a school's checks, what a
// fever does to the student's status, and that nothing is half-applied.
func TestSchoolChecksRoles(t *testing.T) {
	n := newCheckNode(t)
	school, other := n.org(t, healthcode.OrgSchool, "文三路小学"), n.org(t, healthcode.OrgSchool, "学军小学")
	community := n.org(t, healthcode.OrgCommunity, "文三社区")
	li := n.member(t, school, "3班", residentID(11), "李小明")
	wang := n.member(t, school, "3班", residentID(12), "王小红")
	zhao := n.member(t, school, "4班", residentID(13), "赵小刚")
	sun := n.member(t, other, "3班", residentID(14), "孙小美")
	liAuth := n.citizen(t, "13800138021", "李小明", residentID(11))
	teacher3, teacher4 := n.orgToken(t, school, "3班"), n.orgToken(t, school, "4班")
	principal, otherTeacher := n.orgToken(t, school, ""), n.orgToken(t, other, "3班")
	manager := n.orgToken(t, community, "")

	entries := func(es ...string) string {
		return `{"unit":"3班","session":"morning","entries":[` + strings.Join(es, ",") + `]}`
	}
	present := func(id int64, temp float64) string {
		return fmt.Sprintf(`{"member_id":%d,"temperature":%.1f,"symptoms":[]}`, id, temp)
	}
	path := "/api/v1/orgs/" + school + "/checks"
	refused := []struct {
		name   string
		auth   []string
		path   string
		body   string
		status int
	}{
		{"a teacher of another class", teacher4, path, entries(present(wang, 36.5)), http.StatusForbidden},
		{"another school's teacher", otherTeacher, path, entries(present(wang, 36.5)), http.StatusForbidden},
		{"a citizen", liAuth, path, entries(present(wang, 36.5)), http.StatusForbidden},
		{"a community has no checks", manager, "/api/v1/orgs/" + community + "/checks", entries(present(wang, 36.5)), http.StatusConflict},
		{"another school's student", teacher3, path, entries(present(wang, 36.5), present(sun, 36.5)), http.StatusBadRequest},
	}
	for _, tt := range refused {
		if w := n.do("POST", tt.path, tt.body, tt.auth...); w.Code != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, w.Code, tt.status, w.Body)
		}
	}
	// Bad entries are named by index and field; nothing is stored.
	w := n.do("POST", path, entries(present(wang, 36.5), present(zhao, 36.5),
		fmt.Sprintf(`{"member_id":%d,"absent":true,"temperature":36.5}`, li),
		fmt.Sprintf(`{"member_id":%d,"absent":true,"absent_reason":"holiday"}`, wang),
		fmt.Sprintf(`{"member_id":%d,"temperature":51,"symptoms":["sneezing"]}`, li)), teacher3...)
	wantStatus(t, w, http.StatusBadRequest)
	fields := errorOf(t, w).Fields
	for _, f := range []string{"entries[1].member_id", "entries[2].temperature", "entries[3].absent_reason",
		"entries[3].member_id", "entries[4].temperature", "entries[4].symptoms[0]", "entries[4].member_id"} {
		if fields[f] == "" {
			t.Errorf("no error for %s: %v", f, fields)
		}
	}
	classView := func(auth []string, unit string) map[string]any {
		t.Helper()
		w := n.do("GET", path+"?session=morning&unit="+unit, "", auth...)
		wantStatus(t, w, http.StatusOK)
		return decodeBody(t, w)
	}
	for _, s := range classView(teacher3, "3班")["students"].([]any) {
		if st := s.(map[string]any)["state"]; st != healthcode.CheckStateNotChecked {
			t.Fatalf("refused entries were stored: %v", s)
		}
	}

	// The morning check: Li at 38.5 °C, Wang absent for illness.
	w = n.do("POST", path, entries(present(li, 38.5),
		fmt.Sprintf(`{"member_id":%d,"absent":true,"absent_reason":"illness","symptoms":["dry_cough"]}`, wang)), teacher3...)
	wantStatus(t, w, http.StatusOK)
	if b := decodeBody(t, w); b["stored"] != 2.0 || b["fever"] != 1.0 || b["date"] != time.Now().In(checkZoneForTest).Format(time.DateOnly) {
		t.Fatalf("entered: %v", b)
	}
	st := n.do("GET", "/api/v1/me/status", "", liAuth...)
	wantStatus(t, st, http.StatusOK)
	sb := decodeBody(t, st)
	if sb["action_required"] != true || sb["colour"] != "green" || !strings.Contains(st.Body.String(), status.FeverAtCheck) {
		t.Fatalf("Li's status after fever at the morning check: %s", st.Body)
	}

	// The class view: masked names, states; another class refused.
	v := classView(teacher3, "3班")
	got := map[float64]map[string]any{}
	for _, s := range v["students"].([]any) {
		got[s.(map[string]any)["member_id"].(float64)] = s.(map[string]any)
	}
	if s := got[float64(li)]; s["state"] != "fever" || s["name"] != idnum.MaskName("李小明") || s["temperature"] != 38.5 {
		t.Errorf("Li in the class view: %v", s)
	}
	if s := got[float64(wang)]; s["state"] != "absent" || s["absent_reason"] != "illness" {
		t.Errorf("Wang in the class view: %v", s)
	}
	if len(got) != 2 {
		t.Errorf("class view shows %d students, want 2", len(got))
	}
	wantStatus(t, n.do("GET", path+"?session=morning&unit=3班", "", teacher4...), http.StatusForbidden)
	wantStatus(t, n.do("GET", path+"?session=morning&unit=3班", "", otherTeacher...), http.StatusForbidden)
	wantStatus(t, n.do("GET", path+"?session=morning&unit=3班", "", liAuth...), http.StatusForbidden)
	// ... and written to the access log Li sees.
	w = n.do("GET", "/api/v1/me/access-log", "", liAuth...)
	wantStatus(t, w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "class health checks") {
		t.Errorf("class view not in Li's access log: %s", w.Body)
	}

	// The school view: the principal and health staff; not a class's teacher.
	w = n.do("GET", path+"/summary?session=morning", "", principal...)
	wantStatus(t, w, http.StatusOK)
	sum := decodeBody(t, w)
	classes := sum["classes"].([]any)
	c3, c4 := classes[0].(map[string]any), classes[1].(map[string]any)
	if c3["unit"] != "3班" || c3["students"] != 2.0 || c3["checked"] != 1.0 || c3["fever"] != 1.0 || c3["absent"] != 1.0 ||
		c3["absent_by_reason"].(map[string]any)["illness"] != 1.0 || c3["not_checked"] != 0.0 {
		t.Errorf("3班: %v", c3)
	}
	if c4["unit"] != "4班" || c4["students"] != 1.0 || c4["not_checked"] != 1.0 {
		t.Errorf("4班: %v", c4)
	}
	if tot := sum["total"].(map[string]any); tot["students"] != 3.0 || tot["fever"] != 1.0 {
		t.Errorf("total: %v", tot)
	}
	wantStatus(t, n.do("GET", path+"/summary?session=morning", "", n.health...), http.StatusOK)
	wantStatus(t, n.do("GET", path+"/summary?session=morning", "", teacher3...), http.StatusForbidden)
	wantStatus(t, n.do("GET", "/api/v1/orgs/"+other+"/checks/summary?session=morning", "", principal...), http.StatusForbidden)

	// A negative test sampled after the check: tested, no action any more.
	ctx := context.Background()
	key := n.db.Box().PersonKey(residentID(11))
	if err := n.db.AddRecords(ctx, &healthcode.RecordBatch{Tests: []healthcode.Test{{PersonKey: key,
		SampledAt: time.Now().Add(time.Second), ReportedAt: time.Now().Add(time.Second), Result: healthcode.Negative,
		Method: healthcode.MethodPCR, Lab: "lab 1", ExternalID: "t-li", RecordedAt: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the test's sample time is now past
	ids, err := n.db.CheckPersonIDs(ctx, [][]byte{key})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := n.checks.Citizens.Evaluate(ctx, ids[string(key)]); err != nil || s.ActionRequired {
		t.Fatalf("after a negative test: %+v, %v", s, err)
	}
}

// checkZoneForTest is the region's zone, as the service counts days.
var checkZoneForTest = time.FixedZone("CST", 8*3600)

// TestCheckInsRoles: a citizen's own check-ins, and a community's view of
// its members in home quarantine.
func TestCheckInsRoles(t *testing.T) {
	n := newCheckNode(t)
	community, other := n.org(t, healthcode.OrgCommunity, "文三社区"), n.org(t, healthcode.OrgCommunity, "古荡社区")
	school := n.org(t, healthcode.OrgSchool, "文三路小学")
	zhou := n.member(t, community, "5幢", residentID(21), "周大伟")
	wu := n.member(t, community, "6幢", residentID(22), "吴大海")
	n.member(t, community, "6幢", residentID(23), "郑不隔离")
	zhouAuth := n.citizen(t, "13800138031", "周大伟", residentID(21))
	wuAuth := n.citizen(t, "13800138032", "吴大海", residentID(22))
	now := time.Now()
	if err := n.db.AddRecords(context.Background(), &healthcode.RecordBatch{Quarantines: []healthcode.Quarantine{
		{PersonKey: n.db.Box().PersonKey(residentID(21)), Kind: healthcode.QuarantineHome, From: now.Add(-50 * time.Hour),
			Until: now.Add(5 * 24 * time.Hour), ExternalID: "q-zhou", RecordedAt: now},
		{PersonKey: n.db.Box().PersonKey(residentID(22)), Kind: healthcode.QuarantineHomeMonitoring, From: now.Add(-time.Hour),
			ExternalID: "q-wu", RecordedAt: now},
	}}); err != nil {
		t.Fatal(err)
	}
	manager, building5 := n.orgToken(t, community, ""), n.orgToken(t, community, "5幢")
	otherManager, teacher := n.orgToken(t, other, ""), n.orgToken(t, school, "")

	// Bad check-ins are refused by field.
	w := n.do("POST", "/api/v1/me/check-ins", `{"temperature":50,"symptoms":["fever","fever"]}`, zhouAuth...)
	wantStatus(t, w, http.StatusBadRequest)
	if f := errorOf(t, w).Fields; f["temperature"] == "" || f["symptoms[1]"] == "" {
		t.Errorf("fields %v", f)
	}
	// Wu checks in with fever: action required at once.
	w = n.do("POST", "/api/v1/me/check-ins", `{"temperature":38.1,"symptoms":["fatigue"]}`, wuAuth...)
	wantStatus(t, w, http.StatusCreated)
	if b := decodeBody(t, w); b["status"].(map[string]any)["action_required"] != true {
		t.Fatalf("fever at a check-in: %v", b)
	}
	// Again the same day without fever: replaces it, the fever is gone.
	w = n.do("POST", "/api/v1/me/check-ins", `{"temperature":36.6,"symptoms":[]}`, wuAuth...)
	wantStatus(t, w, http.StatusCreated)
	if b := decodeBody(t, w); b["status"].(map[string]any)["action_required"] != false {
		t.Fatalf("the replaced fever still counts: %v", b)
	}
	w = n.do("GET", "/api/v1/me/check-ins", "", wuAuth...)
	wantStatus(t, w, http.StatusOK)
	if list := decodeBody(t, w)["check_ins"].([]any); len(list) != 1 || list[0].(map[string]any)["temperature"] != 36.6 {
		t.Fatalf("Wu's check-ins: %v", list)
	}
	w = n.do("GET", "/api/v1/me/check-ins", "", zhouAuth...)
	wantStatus(t, w, http.StatusOK)
	if list := decodeBody(t, w)["check_ins"].([]any); len(list) != 0 {
		t.Fatalf("Zhou sees others' check-ins: %v", list)
	}

	// The community sees Zhou missing (three days in a row: the order
	// began two days ago) and Wu checked in; not the one without an order.
	path := "/api/v1/orgs/" + community + "/check-ins"
	w = n.do("GET", path, "", manager...)
	wantStatus(t, w, http.StatusOK)
	v := decodeBody(t, w)
	members := v["members"].([]any)
	if v["missing"] != 1.0 || len(members) != 2 {
		t.Fatalf("community view: %v", v)
	}
	z, u := members[0].(map[string]any), members[1].(map[string]any)
	if z["member_id"] != float64(zhou) || z["missing"] != true || z["checked_in"] != false || z["kind"] != "home" ||
		z["name"] != idnum.MaskName("周大伟") || z["unit"] != "5幢" || z["until"] == nil {
		t.Errorf("Zhou: %v", z)
	}
	if md := z["missed_days"].(float64); md < 2 || md > 3 { // 2 or 3 by the hour of the day
		t.Errorf("Zhou missed %v days", md)
	}
	if u["member_id"] != float64(wu) || u["missing"] != false || u["kind"] != "home_monitoring" || u["until"] != nil || u["fever"] != false {
		t.Errorf("Wu: %v", u)
	}
	for _, k := range []string{"reasons", "colour", "id_number", "records"} {
		if _, ok := z[k]; ok {
			t.Errorf("the community view shows %s", k)
		}
	}
	// A building's manager sees their building only; others are refused.
	w = n.do("GET", path, "", building5...)
	wantStatus(t, w, http.StatusOK)
	if members := decodeBody(t, w)["members"].([]any); len(members) != 1 {
		t.Errorf("5幢 sees %d members", len(members))
	}
	wantStatus(t, n.do("GET", path, "", otherManager...), http.StatusForbidden)
	wantStatus(t, n.do("GET", path, "", zhouAuth...), http.StatusForbidden)
	wantStatus(t, n.do("GET", "/api/v1/orgs/"+school+"/check-ins", "", teacher...), http.StatusConflict)
	wantStatus(t, n.do("GET", path, "", n.health...), http.StatusOK)
	wantStatus(t, n.do("GET", path+"?date=2099-01-01", "", manager...), http.StatusBadRequest)
	w = n.do("GET", "/api/v1/me/access-log", "", zhouAuth...)
	wantStatus(t, w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "home quarantine check-ins") {
		t.Errorf("community view not in Zhou's access log: %s", w.Body)
	}
}
