package sqlstore_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// onRoster puts members on o's roster.
func onRoster(t *testing.T, db *sqlstore.DB, o *healthcode.Org, ms ...*healthcode.OrgMember) {
	t.Helper()
	if _, _, err := db.AddOrgMembers(ctx, o.ID, ms); err != nil {
		t.Fatal(err)
	}
}

func travel(db *sqlstore.DB, idNumber, division string, from, to time.Time) healthcode.Travel {
	return healthcode.Travel{PersonKey: db.Box().PersonKey(idNumber), Division: division, From: from, To: to}
}

func TestStaysOutside(t *testing.T) {
	db := storetest.MustOpenDB(t)
	now := venueNow
	day := 24 * time.Hour
	c := mustOrg(t, db, healthcode.OrgCommunity, "翠苑一区")
	other := mustOrg(t, db, healthcode.OrgCommunity, "翠苑二区")
	onRoster(t, db, c,
		member("1幢", "110101199003070011", "张三"), // travel: two stays outside, one inside
		member("2幢", "110101199003070012", "李四"), // declared a stay outside
		member("1幢", "110101199003070013", "王五"), // back too long ago
		member("1幢", "110101199003070014", "赵六"), // stayed at home
	)
	onRoster(t, db, other, member("9幢", "110101199003070015", "钱七"))
	lisi := mustPerson(t, db, "13800000002")
	if err := db.SaveProfile(ctx, profileOf(lisi.ID, "110101199003070012")); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateDeclaration(ctx, &healthcode.Declaration{PersonID: lisi.ID, CaseContact: healthcode.ContactNo,
		Places: []healthcode.Stay{
			{Division: "420102", From: now.Add(-9 * day), To: now.Add(-5 * day)},
			{Division: "310101", From: now.Add(-2 * day)}, // still there: not back
		}, CreatedAt: now.Add(-day)}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddRecords(ctx, &healthcode.RecordBatch{Travel: []healthcode.Travel{
		travel(db, "110101199003070011", "110105", now.Add(-12*day), now.Add(-10*day)),
		travel(db, "110101199003070011", "440305", now.Add(-5*day), now.Add(-3*day)),
		travel(db, "110101199003070011", "330106", now.Add(-2*day), now.Add(-day)), // inside the region
		travel(db, "110101199003070013", "110105", now.Add(-30*day), now.Add(-20*day)),
		travel(db, "110101199003070015", "110105", now.Add(-5*day), now.Add(-2*day)), // another community's
		travel(db, "110101199003070016", "110105", now.Add(-5*day), now.Add(-2*day)), // nobody's member
	}}); err != nil {
		t.Fatal(err)
	}

	stays, err := db.StaysOutside(ctx, c.ID, "", "3301", now.Add(-14*day), now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]healthcode.StayOutside{}
	for _, s := range stays {
		got[s.Name] = *s
	}
	if len(got) != 2 {
		t.Fatalf("returnees %+v, want 张三 and 李四", got)
	}
	if s := got["张三"]; s.Division != "440305" || !s.To.Equal(now.Add(-3*day)) || s.Unit != "1幢" || s.PersonID != 0 {
		t.Errorf("张三: %+v, want the stay in 440305 ending 3 days ago, unit 1幢, not registered", s)
	}
	if s := got["李四"]; s.Division != "420102" || !s.To.Equal(now.Add(-5*day)) || s.PersonID != lisi.ID {
		t.Errorf("李四: %+v, want the declared stay in 420102 ending 5 days ago, person %d", s, lisi.ID)
	}

	// Once 张三 registers, his travel is found through him, as every record
	// of a registered person is.
	zhang := mustPerson(t, db, "13800000001")
	if err := db.SaveProfile(ctx, profileOf(zhang.ID, "110101199003070011")); err != nil {
		t.Fatal(err)
	}
	stays, err = db.StaysOutside(ctx, c.ID, "", "3301", now.Add(-14*day), now)
	if err != nil || len(stays) != 2 {
		t.Fatalf("returnees once 张三 registered: %+v %v", stays, err)
	}
	for _, s := range stays {
		if s.Name == "张三" && (s.Division != "440305" || s.PersonID != zhang.ID) {
			t.Errorf("张三 registered: %+v, want the stay in 440305, person %d", s, zhang.ID)
		}
	}

	unit, err := db.StaysOutside(ctx, c.ID, "2幢", "3301", now.Add(-14*day), now)
	if err != nil || len(unit) != 1 || unit[0].Name != "李四" {
		t.Fatalf("unit 2幢: %+v %v", unit, err)
	}
	// A region covering Beijing too sees nobody outside but the one from Shenzhen.
	wide, err := db.StaysOutside(ctx, c.ID, "", "1101", now.Add(-14*day), now)
	if err != nil || len(wide) != 2 {
		t.Fatalf("region 1101: %+v %v", wide, err)
	}
	none, err := db.StaysOutside(ctx, c.ID, "", "", now.Add(-14*day), now)
	if err != nil || len(none) != 0 {
		t.Fatalf("a region covering everything: %+v %v", none, err)
	}
}

func TestMemberReadiness(t *testing.T) {
	db := storetest.MustOpenDB(t)
	e := mustOrg(t, db, healthcode.OrgEmployer, "西溪厂")
	onRoster(t, db, e,
		member("车间一", "110101199003070011", "张三"), // declared, tested
		member("车间一", "110101199003070012", "李四"), // registered, never declared
		member("车间二", "110101199003070013", "王五"), // not registered
	)
	zhang := mustPerson(t, db, "13800000001")
	li := mustPerson(t, db, "13800000002")
	test := &healthcode.TestSummary{SampledAt: venueNow.Add(-time.Hour), Result: healthcode.Negative}
	for _, p := range []struct {
		id     int64
		number string
		st     *healthcode.Status
	}{
		{zhang.ID, "110101199003070011", &healthcode.Status{Colour: healthcode.Yellow, ActionRequired: true, LatestTest: test, Declared: true,
			Reasons: []healthcode.Reason{{Code: "declared_fever", TextZH: "申报发热"}}}},
		{li.ID, "110101199003070012", &healthcode.Status{Colour: healthcode.Green}},
	} {
		if err := db.SaveProfile(ctx, profileOf(p.id, p.number)); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveStatus(ctx, p.id, p.st); err != nil {
			t.Fatal(err)
		}
	}

	list, err := db.MemberReadiness(ctx, e.ID, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("%d members, want 3", len(list))
	}
	want := []healthcode.MemberReadiness{
		{MemberID: list[0].MemberID, PersonID: zhang.ID, Name: "张三", Unit: "车间一", HasCode: true,
			Colour: healthcode.Yellow, ActionRequired: true, LatestTest: &healthcode.TestSummary{SampledAt: us(test.SampledAt)}},
		{MemberID: list[1].MemberID, PersonID: li.ID, Name: "李四", Unit: "车间一"},
		{MemberID: list[2].MemberID, Name: "王五", Unit: "车间二"},
	}
	for i := range want {
		if !reflect.DeepEqual(*list[i], want[i]) {
			t.Errorf("member %d: %+v\nwant      %+v", i, *list[i], want[i])
		}
	}

	unit, err := db.MemberReadiness(ctx, e.ID, "车间二", false)
	if err != nil || len(unit) != 1 || unit[0].Name != "" || unit[0].Unit != "车间二" {
		t.Fatalf("unit 车间二 without names: %+v %v", unit, err)
	}
}

func TestResumptionApplications(t *testing.T) {
	db := storetest.MustOpenDB(t)
	e := mustOrg(t, db, healthcode.OrgEmployer, "西溪厂")
	f := mustOrg(t, db, healthcode.OrgEmployer, "东站厂")

	a, created, err := db.CreateResumption(ctx, &healthcode.ResumptionApplication{OrgID: e.ID, AppliedAt: venueNow, AppliedBy: "hr"})
	if err != nil || !created || a.ID == 0 || a.State != healthcode.ResumptionPending || a.OrgName != "西溪厂" || !a.AppliedAt.Equal(venueNow) {
		t.Fatalf("created %+v %v %v", a, created, err)
	}
	again, created, err := db.CreateResumption(ctx, &healthcode.ResumptionApplication{OrgID: e.ID, AppliedAt: venueNow.Add(time.Hour), AppliedBy: "other"})
	if err != nil || created || again.ID != a.ID || again.AppliedBy != "hr" {
		t.Fatalf("applied again: %+v %v %v", again, created, err)
	}
	_, err = db.FindResumption(ctx, f.ID)
	wantCode(t, err, healthcode.ENOTFOUND)

	a.Members, a.Ready, a.EvaluatedAt = 10, 5, venueNow.Add(time.Minute)
	if approved, err := db.EvaluateResumption(ctx, a, false); err != nil || approved {
		t.Fatalf("evaluate: %v %v", approved, err)
	}
	a.Ready, a.EvaluatedAt = 9, venueNow.Add(2*time.Minute)
	if approved, err := db.EvaluateResumption(ctx, a, true); err != nil || !approved {
		t.Fatalf("approve: %v %v", approved, err)
	}
	// Approved once: a later evaluation records its counts and keeps the approval.
	later := *a
	later.Ready, later.EvaluatedAt = 4, venueNow.Add(3*time.Minute)
	if approved, err := db.EvaluateResumption(ctx, &later, true); err != nil || approved {
		t.Fatalf("approve again: %v %v", approved, err)
	}
	got, err := db.FindResumption(ctx, e.ID)
	if err != nil || got.State != healthcode.ResumptionApproved || got.ApprovedShare != 0.9 ||
		!got.ApprovedAt.Equal(venueNow.Add(2*time.Minute)) || got.Ready != 4 || !got.EvaluatedAt.Equal(venueNow.Add(3*time.Minute)) {
		t.Fatalf("after approval: %+v %v", got, err)
	}

	if _, _, err := db.CreateResumption(ctx, &healthcode.ResumptionApplication{OrgID: f.ID, AppliedAt: venueNow, AppliedBy: "hr"}); err != nil {
		t.Fatal(err)
	}
	for state, want := range map[string][]string{"": {e.ID, f.ID}, healthcode.ResumptionPending: {f.ID}, healthcode.ResumptionApproved: {e.ID}} {
		list, err := db.ListResumptions(ctx, state)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range list {
			ids = append(ids, a.OrgID)
		}
		if !reflect.DeepEqual(ids, want) {
			t.Errorf("state %q: %v, want %v", state, ids, want)
		}
	}
}

func TestResumptionThreshold(t *testing.T) {
	db := storetest.MustOpenDB(t)
	th, err := db.ResumptionThreshold(ctx)
	if err != nil || th.Share != healthcode.DefaultResumptionThreshold || !th.UpdatedAt.IsZero() {
		t.Fatalf("default %+v %v", th, err)
	}
	for _, share := range []float64{0.8, 0.75} {
		if err := db.SetResumptionThreshold(ctx, &healthcode.ResumptionThreshold{Share: share, UpdatedAt: venueNow, UpdatedBy: "cdc"}); err != nil {
			t.Fatal(err)
		}
		th, err = db.ResumptionThreshold(ctx)
		if err != nil || th.Share != share || th.UpdatedBy != "cdc" || !th.UpdatedAt.Equal(venueNow) {
			t.Fatalf("set %v: %+v %v", share, th, err)
		}
	}
	wantCode(t, db.SetResumptionThreshold(ctx, &healthcode.ResumptionThreshold{Share: 1.5, UpdatedAt: venueNow}), healthcode.EINVALID)
}

// TestReadyCountsAgreeWithMayReturn: the counts an application is judged
// on when nobody reads it are those of MayReturn over the members read.
func TestReadyCountsAgreeWithMayReturn(t *testing.T) {
	db := storetest.MustOpenDB(t)
	e := mustOrg(t, db, healthcode.OrgEmployer, "西溪厂")
	window := 48 * time.Hour
	statuses := []*healthcode.Status{
		{Colour: healthcode.Green, Declared: true, LatestTest: &healthcode.TestSummary{SampledAt: venueNow.Add(-time.Hour)}},
		{Colour: healthcode.Green, Declared: true, LatestTest: &healthcode.TestSummary{SampledAt: venueNow.Add(-window)}},
		{Colour: healthcode.Green, Declared: true, LatestTest: &healthcode.TestSummary{SampledAt: venueNow.Add(time.Hour)}},
		{Colour: healthcode.Green, Declared: true, LatestTest: &healthcode.TestSummary{SampledAt: venueNow.Add(-window - time.Second)}},
		{Colour: healthcode.Green, Declared: true, LatestTest: &healthcode.TestSummary{SampledAt: venueNow.Add(-time.Hour), Result: healthcode.Positive}},
		{Colour: healthcode.Green, Declared: true, ActionRequired: true, LatestTest: &healthcode.TestSummary{SampledAt: venueNow.Add(-time.Hour)}},
		{Colour: healthcode.Yellow, Declared: true, LatestTest: &healthcode.TestSummary{SampledAt: venueNow.Add(-time.Hour)}},
		{Colour: healthcode.Green, LatestTest: &healthcode.TestSummary{SampledAt: venueNow.Add(-time.Hour)}}, // never declared
		nil, // registered, no status
	}
	for i, st := range statuses {
		number := residentID(900 + i)
		onRoster(t, db, e, member("", number, "员工"))
		p := mustPerson(t, db, "1380000"+fmt.Sprintf("%04d", i))
		if err := db.SaveProfile(ctx, profileOf(p.ID, number)); err != nil {
			t.Fatal(err)
		}
		if st != nil {
			if err := db.SaveStatus(ctx, p.ID, st); err != nil {
				t.Fatal(err)
			}
		}
	}
	onRoster(t, db, e, member("", residentID(999), "未注册"))

	list, err := db.MemberReadiness(ctx, e.ID, "", false)
	if err != nil {
		t.Fatal(err)
	}
	ready := 0
	for _, m := range list {
		if ok, _ := healthcode.MayReturn(m, window, venueNow); ok {
			ready++
		}
	}
	members, counted, err := db.ReadyCounts(ctx, e.ID, venueNow.Add(-window))
	if err != nil {
		t.Fatal(err)
	}
	if members != len(statuses)+1 || ready != 3 || counted != ready {
		t.Fatalf("counted %d ready of %d, MayReturn %d of %d; want 3 of %d", counted, members, ready, len(list), len(statuses)+1)
	}
}
