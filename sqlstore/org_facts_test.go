package sqlstore_test

import (
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

// declaredStatus is an evaluated status of a person who declared.
func declaredStatus(c healthcode.Colour, action bool, tested time.Time, doses int) *healthcode.Status {
	s := &healthcode.Status{Colour: c, ActionRequired: action, Declared: true, Doses: doses, EvaluatedAt: t0}
	if !tested.IsZero() {
		s.LatestTest = &healthcode.TestSummary{SampledAt: tested, Result: healthcode.Negative}
	}
	return s
}

func memberPage(t *testing.T, db healthcode.OrgStore, orgID string, f healthcode.OrgMemberFilter, now time.Time) []*healthcode.MemberStatus {
	t.Helper()
	if f.Limit == 0 {
		f.Limit = 100
	}
	page, err := db.OrgMemberPage(ctx, orgID, f, now, healthcode.DefaultTestWindow)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

// A member's row follows the person's status: linked when they register
// (before or after the roster import), updated by every status write
// (single and bulk), unlinked when they change their document number.
func TestMembersFollowTheirStatus(t *testing.T) {
	db := storetest.MustOpenDB(t)
	now := t0.Add(24 * time.Hour)
	o := mustOrg(t, db, healthcode.OrgSchool, "文一小学")
	// Alice registered and declared before the import.
	alice := registered(t, db, "13800000001", residentID(1))
	if err := db.SaveStatus(ctx, alice, declaredStatus(healthcode.Green, false, now.Add(-20*time.Hour), 2)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AddOrgMembers(ctx, o.ID, []*healthcode.OrgMember{
		member("3班", residentID(1), "王小明"), member("3班", residentID(2), "李小红"), member("4班", residentID(3), "赵小刚"),
	}); err != nil {
		t.Fatal(err)
	}
	page := memberPage(t, db, o.ID, healthcode.OrgMemberFilter{}, now)
	if len(page) != 3 {
		t.Fatalf("page of %d", len(page))
	}
	a := page[0]
	if a.PersonID != alice || !a.HasStatus || a.Colour != healthcode.Green || !a.TestedWithinWindow || a.Doses != 2 ||
		a.Member.Name != "王小明" || a.Member.Unit != "3班" {
		t.Fatalf("alice %+v (member %+v)", a, a.Member)
	}
	if b := page[1]; b.PersonID != 0 || b.HasStatus || b.TestedWithinWindow {
		t.Fatalf("unregistered member %+v", b)
	}
	// Her test leaves the window as time passes.
	if p := memberPage(t, db, o.ID, healthcode.OrgMemberFilter{}, now.Add(30*time.Hour)); p[0].TestedWithinWindow {
		t.Fatal("a test 50 hours old counts within 48 hours")
	}

	// Bob registers after the import: linked, but no status until he declares.
	bob := registered(t, db, "13800000002", residentID(2)) // saves an undeclared status
	if b := memberPage(t, db, o.ID, healthcode.OrgMemberFilter{}, now)[1]; b.PersonID != bob || b.HasStatus {
		t.Fatalf("bob registered, undeclared: %+v", b)
	}
	if err := db.SaveStatus(ctx, bob, declaredStatus(healthcode.Red, true, time.Time{}, 0)); err != nil {
		t.Fatal(err)
	}
	if b := memberPage(t, db, o.ID, healthcode.OrgMemberFilter{}, now)[1]; !b.HasStatus || b.Colour != healthcode.Red || !b.ActionRequired || b.TestedWithinWindow {
		t.Fatalf("bob red: %+v", b)
	}

	// The bulk recompute turns alice yellow.
	if err := db.SaveStatus(ctx, alice, &healthcode.Status{Colour: healthcode.Green, Declared: true,
		ReevaluateAt: now.Add(-time.Minute), EvaluatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecomputeDue(ctx, now, 10, func(c *healthcode.DueChunk) ([]*healthcode.Status, []bool, error) {
		out := make([]*healthcode.Status, len(c.Statuses))
		for i := range out {
			out[i] = declaredStatus(healthcode.Yellow, false, time.Time{}, 1)
		}
		return out, make([]bool, len(out)), nil
	}); err != nil {
		t.Fatal(err)
	}
	if a := memberPage(t, db, o.ID, healthcode.OrgMemberFilter{}, now)[0]; a.Colour != healthcode.Yellow || a.Doses != 1 {
		t.Fatalf("alice after the recompute: %+v", a)
	}

	units, err := db.OrgReportCounts(ctx, o.ID, "", now, healthcode.DefaultTestWindow)
	if err != nil {
		t.Fatal(err)
	}
	want := []healthcode.UnitReport{
		{Unit: "3班", Members: 2, Yellow: 1, Red: 1},
		{Unit: "4班", Members: 1, Missing: 1},
	}
	if len(units) != 2 || units[0] != want[0] || units[1] != want[1] {
		t.Fatalf("report %+v, want %+v", units, want)
	}
	if one, err := db.OrgReportCounts(ctx, o.ID, "4班", now, healthcode.DefaultTestWindow); err != nil || len(one) != 1 || one[0] != want[1] {
		t.Fatalf("unit report %+v %v", one, err)
	}

	// Alice changes her document number: her old membership is nobody's.
	if err := db.SaveProfile(ctx, profileOf(alice, residentID(9))); err != nil {
		t.Fatal(err)
	}
	if a := memberPage(t, db, o.ID, healthcode.OrgMemberFilter{}, now)[0]; a.PersonID != 0 || a.HasStatus {
		t.Fatalf("alice's old membership %+v", a)
	}
}

func TestOrgMemberPages(t *testing.T) {
	db := storetest.MustOpenDB(t)
	o := mustOrg(t, db, healthcode.OrgEmployer, "西溪厂")
	var ms []*healthcode.OrgMember
	for i := range 7 {
		unit := "车间一"
		if i%2 == 1 {
			unit = "车间二"
		}
		ms = append(ms, member(unit, residentID(i), "工人"))
	}
	if _, _, err := db.AddOrgMembers(ctx, o.ID, ms); err != nil {
		t.Fatal(err)
	}
	first := memberPage(t, db, o.ID, healthcode.OrgMemberFilter{Limit: 3}, t0)
	next := memberPage(t, db, o.ID, healthcode.OrgMemberFilter{Limit: 10, After: first[2].Member.ID}, t0)
	if len(first) != 3 || len(next) != 4 || next[0].Member.ID <= first[2].Member.ID {
		t.Fatalf("pages of %d and %d", len(first), len(next))
	}
	two := memberPage(t, db, o.ID, healthcode.OrgMemberFilter{Unit: "车间二"}, t0)
	if len(two) != 3 {
		t.Fatalf("unit page of %d", len(two))
	}
	for _, m := range two {
		if m.Member.Unit != "车间二" {
			t.Fatalf("unit page holds %+v", m.Member)
		}
	}
	if err := db.RemoveOrgMember(ctx, o.ID, db.Box().PersonKey(residentID(1))); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.RemoveOrgMember(ctx, o.ID, db.Box().PersonKey(residentID(1))), healthcode.ENOTFOUND)
	if two := memberPage(t, db, o.ID, healthcode.OrgMemberFilter{Unit: "车间二"}, t0); len(two) != 2 {
		t.Fatalf("after leaving: %d", len(two))
	}
}

func TestOrgInvitationsAndSnapshots(t *testing.T) {
	db := storetest.MustOpenDB(t)
	o := mustOrg(t, db, healthcode.OrgCommunity, "翠苑一区")
	hash := db.Box().Hash("org-invitation", []byte("ABCD-EFGH"))
	inv := &healthcode.OrgInvitation{CodeHash: hash, OrgID: o.ID, Unit: "1幢", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := db.CreateOrgInvitation(ctx, inv); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindOrgInvitation(ctx, hash, t0.Add(time.Minute))
	if err != nil || got.OrgID != o.ID || got.Unit != "1幢" || !got.ExpiresAt.Equal(us(t0.Add(time.Hour))) {
		t.Fatalf("invitation %+v %v", got, err)
	}
	_, err = db.FindOrgInvitation(ctx, hash, t0.Add(time.Hour))
	wantCode(t, err, healthcode.ENOTFOUND)
	_, err = db.FindOrgInvitation(ctx, []byte("other"), t0)
	wantCode(t, err, healthcode.ENOTFOUND)

	r := &healthcode.OrgReport{OrgID: o.ID, OrgName: o.Name, Kind: o.Kind, Date: "2022-04-01", AsOf: us(t0), Window: 48,
		Units: []healthcode.UnitReport{{Unit: "1幢", Members: 2, Green: 1, Missing: 1}}, Total: healthcode.UnitReport{Members: 2, Green: 1, Missing: 1}}
	if err := db.SaveOrgReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Total.Tested = 1 // stored again the same day: replaced
	if err := db.SaveOrgReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	back, err := db.FindOrgReport(ctx, o.ID, "2022-04-01")
	if err != nil || back.Total != r.Total || len(back.Units) != 1 || back.Units[0] != r.Units[0] || !back.AsOf.Equal(r.AsOf) {
		t.Fatalf("snapshot %+v %v", back, err)
	}
	_, err = db.FindOrgReport(ctx, o.ID, "2022-04-02")
	wantCode(t, err, healthcode.ENOTFOUND)
}
