package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/status"
)

// nodeStore opens the store of a served node beside it.
func nodeStore(t *testing.T, n *servedNode) *sqlstore.DB {
	t.Helper()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	sf := addStoreFlags(fs)
	if err := fs.Parse(n.store); err != nil {
		t.Fatal(err)
	}
	db, _, err := openStore(context.Background(), sf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rosterOf creates an organisation with members (unit → id numbers) in
// the node's store and returns its id and the member id of each number.
func rosterOf(t *testing.T, db *sqlstore.DB, kind string, units map[string][]string) (string, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	o := &healthcode.Org{Kind: kind, Name: kind + " 1", Division: "330106", TestWindow: healthcode.DefaultTestWindow}
	if err := db.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	for unit, ids := range units {
		var ms []*healthcode.OrgMember
		for i, id := range ids {
			ms = append(ms, &healthcode.OrgMember{Unit: unit, IDType: string(healthcode.IDResident), IDNumber: id,
				Name: fmt.Sprintf("学生%d", i), Source: healthcode.MemberFromRoster})
		}
		if _, _, err := db.AddOrgMembers(ctx, o.ID, ms); err != nil {
			t.Fatal(err)
		}
	}
	roster, err := db.CheckRoster(ctx, o.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	members := map[string]int64{}
	for _, ids := range units {
		for _, id := range ids {
			for _, m := range roster {
				if string(m.PersonKey) == string(db.Box().PersonKey(id)) {
					members[id] = m.ID
				}
			}
		}
	}
	return o.ID, members
}

type statusOut struct {
	Colour         string
	ActionRequired bool `json:"action_required"`
	Reasons        []struct{ Code string }
}

func (s statusOut) has(code string) bool {
	for _, r := range s.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// TestSchoolFlow: through the real server, a teacher's morning check with
// a student at 38.5 °C makes the student's own status action_required
// with the fever reason; a negative test sampled after clears it. A
// home-quarantined community member who does not check in is flagged
// missing; one who does is not.
func TestSchoolFlow(t *testing.T) {
	n := startServe(t)
	db := nodeStore(t, n)
	student, classmate := residentID(41), residentID(42)
	school, pupils := rosterOf(t, db, healthcode.OrgSchool, map[string][]string{"3班": {student, classmate}})
	teacher := n.token(t, "--role", "org", "--org", school, "--unit", "3班", "--name", "3班班主任")
	lab := n.token(t, "--role", "provider", "--kind", "tests", "--name", "lab")
	quarantineDesk := n.token(t, "--role", "provider", "--kind", "quarantines", "--name", "quarantine desk")
	own := registered(t, n, "13800138041", "李小明", student)

	myStatus := func() statusOut {
		t.Helper()
		var s statusOut
		call(t, "GET", n.api+"/me/status", own, "", 200, &s)
		return s
	}
	if s := myStatus(); s.ActionRequired {
		t.Fatalf("before the check: %+v", s)
	}
	body := fmt.Sprintf(`{"unit":"3班","session":"morning","entries":[{"member_id":%d,"temperature":38.5,"symptoms":["fever"]},
		{"member_id":%d,"temperature":36.4}]}`, pupils[student], pupils[classmate])
	var entered struct{ Stored, Fever int }
	call(t, "POST", n.api+"/orgs/"+school+"/checks", teacher, body, 200, &entered)
	if entered.Stored != 2 || entered.Fever != 1 {
		t.Fatalf("entered %+v", entered)
	}
	if s := myStatus(); !s.ActionRequired || s.Colour != "green" || !s.has(status.FeverAtCheck) {
		t.Fatalf("after 38.5 °C at the morning check: %+v, want action_required with %s", s, status.FeverAtCheck)
	}
	var view struct {
		Students []struct {
			MemberID int64 `json:"member_id"`
			Name     string
			State    string
		}
	}
	call(t, "GET", n.api+"/orgs/"+school+"/checks?session=morning&unit=3班", teacher, "", 200, &view)
	if len(view.Students) != 2 || view.Students[0].State != "fever" || view.Students[1].State != "checked" ||
		strings.Contains(view.Students[0].Name, "学生0") {
		t.Fatalf("class view %+v", view)
	}

	// A negative test sampled after the check.
	time.Sleep(1100 * time.Millisecond) // the check is dated to the second
	sampled := time.Now().Truncate(time.Second)
	file := "id,id_number,sampled_at,reported_at,result,lab\nt-li," + student + "," +
		sampled.Format(time.RFC3339) + "," + sampled.Format(time.RFC3339) + ",negative,Lab\n"
	if code, out := request(t, "POST", n.api+"/records/tests", lab, "text/csv", []byte(file)); code != 200 {
		t.Fatalf("import: %d %v", code, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s := myStatus(); s.ActionRequired; s = myStatus() {
		if time.Now().After(deadline) {
			t.Fatalf("still action_required after a negative test: %+v", s)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A community with two members in home quarantine since yesterday:
	// one checks in, the other does not.
	absentee, dutiful := residentID(43), residentID(44)
	community, _ := rosterOf(t, db, healthcode.OrgCommunity, map[string][]string{"5幢": {absentee}, "6幢": {dutiful}})
	manager := n.token(t, "--role", "org", "--org", community, "--name", "社区网格员")
	yesterday := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	file = "id,id_type,id_number,name,kind,start,end\nq-1,," + absentee + ",,home," + yesterday + ",\nq-2,," + dutiful + ",,home," + yesterday + ",\n"
	if code, out := request(t, "POST", n.api+"/records/quarantines", quarantineDesk, "text/csv", []byte(file)); code != 200 {
		t.Fatalf("quarantine import: %d %v", code, out)
	}
	resident := registered(t, n, "13800138044", "周大伟", dutiful)
	call(t, "POST", n.api+"/me/check-ins", resident, `{"temperature":36.5,"symptoms":[]}`, 201, nil)
	var ins struct {
		Missing int
		Members []struct {
			Unit       string
			Kind       string
			CheckedIn  bool `json:"checked_in"`
			Missing    bool
			MissedDays int `json:"missed_days"`
		}
	}
	call(t, "GET", n.api+"/orgs/"+community+"/check-ins", manager, "", 200, &ins)
	if ins.Missing != 1 || len(ins.Members) != 2 {
		raw, _ := json.Marshal(ins)
		t.Fatalf("community check-ins %s", raw)
	}
	if m := ins.Members[0]; m.Unit != "5幢" || !m.Missing || m.CheckedIn || m.Kind != "home" || m.MissedDays != 2 {
		t.Errorf("the member who did not check in: %+v, want missing 2 days (yesterday and today)", m)
	}
	if m := ins.Members[1]; m.Unit != "6幢" || m.Missing || !m.CheckedIn {
		t.Errorf("the member who checked in: %+v", m)
	}
	// The school's teacher is no manager of the community.
	if code, _ := request(t, "GET", n.api+"/orgs/"+community+"/check-ins", teacher, "", nil); code != 403 {
		t.Errorf("a teacher reads a community's check-ins: %d", code)
	}
}
