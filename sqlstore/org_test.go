package sqlstore_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func mustOrg(t testing.TB, db healthcode.OrgStore, kind, name string) *healthcode.Org {
	t.Helper()
	o := &healthcode.Org{Kind: kind, Name: name, Division: "330106", CreatedAt: venueNow}
	if err := db.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	return o
}

func member(unit, idNumber, name string) *healthcode.OrgMember {
	return &healthcode.OrgMember{Unit: unit, IDType: "resident_id", IDNumber: idNumber, Name: name}
}

func TestOrgRoundTrip(t *testing.T) {
	db := storetest.MustOpenDB(t)
	o := mustOrg(t, db, healthcode.OrgCommunity, "翠苑一区")
	if o.ID != "G000001" || o.TestWindow != healthcode.DefaultTestWindow {
		t.Fatalf("created %q window %v", o.ID, o.TestWindow)
	}
	got, err := db.FindOrg(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, o) {
		t.Fatalf("found %+v\nwant  %+v", got, o)
	}
	s := mustOrg(t, db, healthcode.OrgSchool, "文一小学")
	if s.ID != "G000002" {
		t.Fatalf("second org %q", s.ID)
	}
	_, err = db.FindOrg(ctx, "G000099")
	wantCode(t, err, healthcode.ENOTFOUND)

	o.Name, o.TestWindow, o.Webhook = "翠苑一区社区", 72*time.Hour, "https://example.org/hook"
	if err := db.UpdateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FindOrg(ctx, o.ID); !reflect.DeepEqual(got, o) {
		t.Fatalf("updated %+v\nwant    %+v", got, o)
	}
	wantCode(t, db.UpdateOrg(ctx, &healthcode.Org{ID: "G000099", Name: "x"}), healthcode.ENOTFOUND)

	all, err := db.ListOrgs(ctx, healthcode.OrgFilter{})
	if err != nil || len(all) != 2 || all[0].ID != "G000001" || all[1].ID != "G000002" {
		t.Fatalf("list: %v %v", all, err)
	}
	schools, err := db.ListOrgs(ctx, healthcode.OrgFilter{Kind: healthcode.OrgSchool})
	if err != nil || len(schools) != 1 || schools[0].ID != s.ID {
		t.Fatalf("schools: %v %v", schools, err)
	}
}

func TestOrgKindIsChecked(t *testing.T) {
	db := storetest.MustOpenDB(t)
	err := db.CreateOrg(ctx, &healthcode.Org{Kind: "club", Name: "x", Division: "330106"})
	wantCode(t, err, healthcode.EINVALID)
}

func TestAddOrgMembersCountsDuplicates(t *testing.T) {
	db := storetest.MustOpenDB(t)
	o := mustOrg(t, db, healthcode.OrgEmployer, "西溪厂")
	other := mustOrg(t, db, healthcode.OrgSchool, "文一小学")
	added, dup, err := db.AddOrgMembers(ctx, o.ID, []*healthcode.OrgMember{
		member("车间一", "110101199003070011", "张三"),
		member("车间二", "110101199003070012", "李四"),
		member("车间一", "110101199003070011", "张三"), // twice in one file
	})
	if err != nil || added != 2 || dup != 1 {
		t.Fatalf("added %d dup %d err %v", added, dup, err)
	}
	added, dup, err = db.AddOrgMembers(ctx, o.ID, []*healthcode.OrgMember{
		member("", "110101199003070012", "李四"), // already on the roster
		member("", "110101199003070013", "王五"),
	})
	if err != nil || added != 1 || dup != 1 {
		t.Fatalf("second import: added %d dup %d err %v", added, dup, err)
	}
	// The same person belongs to another organisation too.
	if added, _, err := db.AddOrgMembers(ctx, other.ID, []*healthcode.OrgMember{member("3班", "110101199003070011", "张三")}); err != nil || added != 1 {
		t.Fatalf("other org: %d %v", added, err)
	}
	_, _, err = db.AddOrgMembers(ctx, "G000099", []*healthcode.OrgMember{member("", "110101199003070014", "赵六")})
	wantCode(t, err, healthcode.ENOTFOUND)

	key := db.Box().PersonKey("110101199003070011")
	ms, err := db.OrgMembersByPersonKey(ctx, key)
	if err != nil || len(ms) != 2 {
		t.Fatalf("memberships %v %v", ms, err)
	}
	if ms[0].OrgID != o.ID || ms[0].Unit != "车间一" || ms[0].Name != "张三" || ms[0].IDNumber != "110101199003070011" ||
		!bytes.Equal(ms[0].PersonKey, key) || ms[0].Source != healthcode.MemberFromRoster || ms[0].IDType != "resident_id" {
		t.Fatalf("first membership %+v", ms[0])
	}
	if ms[1].OrgID != other.ID || ms[1].Unit != "3班" {
		t.Fatalf("second membership %+v", ms[1])
	}
	// Names and numbers are sealed at rest.
	var raw []byte
	if err := db.SQL().QueryRow(`SELECT name FROM org_members WHERE org_id = $1 LIMIT 1`, o.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("张三")) || bytes.Contains(raw, []byte("李四")) {
		t.Fatal("name stored in the clear")
	}
	if ms, err := db.OrgMembersByPersonKey(ctx, []byte("nobody")); err != nil || len(ms) != 0 {
		t.Fatalf("nobody's memberships %v %v", ms, err)
	}
}
