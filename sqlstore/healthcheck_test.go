package sqlstore_test

import (
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// checkOrg inserts an organisation with its own SQL, so the checks' tests
// do not hang on the roster code.
func checkOrg(t *testing.T, db *sqlstore.DB, kind string) string {
	t.Helper()
	var id string
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO orgs (kind, name, division, test_window, created_at)
		VALUES ($1, $2, '330106', 172800000000, 0) RETURNING id`, kind, kind+" 1").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// checkMember puts the holder of idNumber on the roster of orgID in unit.
func checkMember(t *testing.T, db *sqlstore.DB, orgID, unit, idNumber, name string) *healthcode.OrgMember {
	t.Helper()
	box := db.Box()
	sealedID, err := box.Seal([]byte(idNumber))
	if err != nil {
		t.Fatal(err)
	}
	sealedName, err := box.Seal([]byte(name))
	if err != nil {
		t.Fatal(err)
	}
	m := &healthcode.OrgMember{OrgID: orgID, Unit: unit, IDType: string(healthcode.IDResident), Name: name,
		PersonKey: box.PersonKey(idNumber), Source: healthcode.MemberFromRoster}
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO org_members (org_id, unit, person_key, id_type, id_number, name, source, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'roster', 0) RETURNING id`, orgID, unit, m.PersonKey, m.IDType, sealedID, sealedName).Scan(&m.ID); err != nil {
		t.Fatal(err)
	}
	return m
}

func feverOf(c *healthcode.HealthCheck) bool {
	return (c.Temperature != nil && *c.Temperature >= 37.3) || slices.Contains(c.Symptoms, "fever")
}

func TestHealthChecks(t *testing.T) {
	db := storetest.MustOpenDB(t)
	school := checkOrg(t, db, healthcode.OrgSchool)
	other := checkOrg(t, db, healthcode.OrgSchool)
	li := checkMember(t, db, school, "3班", "330106201501010011", "李小明")
	wang := checkMember(t, db, school, "3班", "330106201501010038", "王小红")
	zhao := checkMember(t, db, school, "4班", "330106201501010054", "赵小刚")
	stranger := checkMember(t, db, other, "3班", "330106201501010070", "孙小美")

	// Li registered and has a status; Wang did not register.
	p := mustPerson(t, db, "13800138011")
	if err := db.SaveProfile(ctx, profileOf(p.ID, "330106201501010011")); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{Reasons: []healthcode.Reason{}, EvaluatedAt: t0}); err != nil {
		t.Fatal(err)
	}

	// Roster reads: one class, the whole school, by id (only this school's).
	roster, err := db.CheckRoster(ctx, school, "3班")
	if err != nil || len(roster) != 2 || roster[0].ID != li.ID || roster[0].Name != "李小明" || roster[1].ID != wang.ID ||
		string(roster[0].PersonKey) != string(li.PersonKey) || roster[0].IDNumber != "" {
		t.Fatalf("class roster %+v, %v", roster, err)
	}
	if all, err := db.CheckRoster(ctx, school, ""); err != nil || len(all) != 3 || all[2].ID != zhao.ID {
		t.Fatalf("school roster %d, %v", len(all), err)
	}
	byID, err := db.CheckRosterByID(ctx, school, []int64{li.ID, stranger.ID, 999999})
	if err != nil || len(byID) != 1 || byID[li.ID] == nil || byID[li.ID].Unit != "3班" {
		t.Fatalf("roster by id %+v, %v", byID, err)
	}

	day := "2022-04-01"
	morning := func(m *healthcode.OrgMember, temp float64, symptoms ...healthcode.Symptom) *healthcode.HealthCheck {
		return &healthcode.HealthCheck{PersonKey: m.PersonKey, OrgID: school, MemberID: m.ID, Unit: m.Unit,
			Session: healthcode.CheckMorning, Date: day, CheckedAt: t0, Temperature: &temp, Symptoms: symptoms,
			EnteredBy: "3班班主任", EnteredByToken: 7}
	}
	save := func(checks ...*healthcode.HealthCheck) []int64 {
		t.Helper()
		ids, err := db.SaveHealthChecks(ctx, checks, feverOf)
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		return ids
	}
	// Li has fever: the registered Li is returned and marked due; Wang,
	// unregistered, is stored all the same.
	if ids := save(morning(li, 38.5), morning(wang, 36.6, "fatigue")); !slices.Equal(ids, []int64{p.ID}) {
		t.Fatalf("fever: people to evaluate %v, want [%d]", ids, p.ID)
	}
	if st, err := db.FindStatus(ctx, p.ID); err != nil || !st.Stale(t0) {
		t.Fatalf("Li's status not marked due: %+v, %v", st, err)
	}
	// Entering Li again without fever replaces the check; the fever went,
	// so Li is evaluated again. A third time without fever changes nothing.
	if ids := save(morning(li, 36.5)); !slices.Equal(ids, []int64{p.ID}) {
		t.Fatalf("fever gone: %v, want [%d]", ids, p.ID)
	}
	if ids := save(morning(li, 36.6)); len(ids) != 0 {
		t.Fatalf("no fever before or after: %v", ids)
	}
	absent := &healthcode.HealthCheck{PersonKey: zhao.PersonKey, OrgID: school, MemberID: zhao.ID, Unit: "4班",
		Session: healthcode.CheckMorning, Date: day, CheckedAt: t0, Absent: true, AbsentReason: healthcode.AbsentIllness,
		Symptoms: []healthcode.Symptom{"fever", "dry_cough"}, EnteredBy: "4班班主任"}
	save(absent)

	checks, err := db.OrgChecksOfDay(ctx, school, healthcode.CheckMorning, day)
	if err != nil || len(checks) != 3 {
		t.Fatalf("checks of the day: %d, %v", len(checks), err)
	}
	byKey := map[string]*healthcode.HealthCheck{}
	for _, c := range checks {
		byKey[string(c.PersonKey)] = c
	}
	if c := byKey[string(li.PersonKey)]; c == nil || *c.Temperature != 36.6 || c.MemberID != li.ID || c.Unit != "3班" ||
		c.EnteredBy != "3班班主任" || c.EnteredByToken != 7 || !c.CheckedAt.Equal(us(t0)) || c.Date != day {
		t.Fatalf("Li's check %+v", c)
	}
	if c := byKey[string(wang.PersonKey)]; c == nil || !slices.Equal(c.Symptoms, []healthcode.Symptom{"fatigue"}) || c.Absent {
		t.Fatalf("Wang's check %+v", c)
	}
	if c := byKey[string(zhao.PersonKey)]; c == nil || c.Temperature != nil || !c.Absent || c.AbsentReason != healthcode.AbsentIllness ||
		!slices.Equal(c.Symptoms, []healthcode.Symptom{"fever", "dry_cough"}) {
		t.Fatalf("Zhao's check %+v", c)
	}
	if noon, err := db.OrgChecksOfDay(ctx, school, healthcode.CheckNoon, day); err != nil || len(noon) != 0 {
		t.Fatalf("noon: %d, %v", len(noon), err)
	}

	// The status engine's facts: Li's checks of the last 14 days only.
	old := morning(li, 39)
	old.Date, old.CheckedAt = "2022-03-10", t0.AddDate(0, 0, -22)
	save(old)
	f, err := db.Facts(ctx, p.ID, li.PersonKey, t0.Add(time.Hour))
	if err != nil || len(f.HealthChecks) != 1 || *f.HealthChecks[0].Temperature != 36.6 {
		t.Fatalf("facts: %+v, %v", f.HealthChecks, err)
	}
	// ... and the same through the bulk recompute, which reads by person id.
	save(morning(li, 38.2))
	var bulk []healthcode.HealthCheck
	n, err := db.RecomputeDue(ctx, t0.Add(time.Hour), 10, func(c *healthcode.DueChunk) ([]*healthcode.Status, []bool, error) {
		statuses := make([]*healthcode.Status, len(c.Statuses))
		for i := range c.Statuses {
			bulk = append(bulk, c.Statuses[i].Facts.HealthChecks...)
			statuses[i] = &healthcode.Status{Reasons: []healthcode.Reason{}, EvaluatedAt: t0}
		}
		return statuses, make([]bool, len(c.Statuses)), nil
	})
	if err != nil || n != 1 || len(bulk) != 1 || *bulk[0].Temperature != 38.2 {
		t.Fatalf("bulk facts: %d taken, %+v, %v", n, bulk, err)
	}

	// A person's own check-ins, and a community's members' ones.
	community := checkOrg(t, db, healthcode.OrgCommunity)
	resident := checkMember(t, db, community, "5幢", "330106198001010012", "周大伟")
	checkMember(t, db, community, "6幢", "330106198001010039", "吴大海")
	checkIn := func(m *healthcode.OrgMember, date string, temp float64) *healthcode.HealthCheck {
		return &healthcode.HealthCheck{PersonKey: m.PersonKey, Session: healthcode.CheckDaily, Date: date,
			CheckedAt: t0, Temperature: &temp, EnteredBy: "self"}
	}
	save(checkIn(resident, "2022-03-31", 36.5), checkIn(resident, "2022-04-01", 36.7), checkIn(resident, "2022-04-01", 36.8),
		checkIn(stranger, "2022-04-01", 36.4))
	ins, err := db.MemberCheckIns(ctx, community, "2022-03-30", "2022-04-01")
	if err != nil || len(ins) != 2 || ins[0].Date != "2022-03-31" || *ins[1].Temperature != 36.8 {
		t.Fatalf("members' check-ins %+v, %v", ins, err)
	}
	own, err := db.HealthChecksOf(ctx, resident.PersonKey, "", t0.AddDate(0, 0, -1))
	if err != nil || len(own) != 2 || own[0].OrgID != "" {
		t.Fatalf("own check-ins %+v, %v", own, err)
	}
	if mine, err := db.HealthChecksOf(ctx, li.PersonKey, school, t0.AddDate(0, 0, -1)); err != nil || len(mine) != 1 {
		t.Fatalf("school checks of Li %d, %v", len(mine), err)
	}

	// Members under home quarantine or monitoring in a window.
	if err := db.AddRecords(ctx, &healthcode.RecordBatch{Quarantines: []healthcode.Quarantine{
		{PersonKey: resident.PersonKey, Kind: healthcode.QuarantineHome, From: t0.AddDate(0, 0, -3), Until: t0.AddDate(0, 0, 4), ExternalID: "q1"},
		{PersonKey: resident.PersonKey, Kind: healthcode.QuarantineCentralised, From: t0.AddDate(0, 0, -10), Until: t0.AddDate(0, 0, -3), ExternalID: "q2"},
		{PersonKey: stranger.PersonKey, Kind: healthcode.QuarantineHome, From: t0.AddDate(0, 0, -3), ExternalID: "q3"},
	}}); err != nil {
		t.Fatal(err)
	}
	qm, err := db.HomeQuarantinedMembers(ctx, community, t0, t0.AddDate(0, 0, 1))
	if err != nil || len(qm) != 1 || qm[0].Member.ID != resident.ID || qm[0].Member.Name != "周大伟" ||
		qm[0].Quarantine.Kind != healthcode.QuarantineHome || !qm[0].Quarantine.Until.Equal(us(t0.AddDate(0, 0, 4))) {
		t.Fatalf("home quarantined members %+v, %v", qm, err)
	}
	// Once the resident registers, the order is found through the person.
	registeredResident := mustPerson(t, db, "13800000037")
	if err := db.SaveProfile(ctx, profileOf(registeredResident.ID, "330106198001010012")); err != nil {
		t.Fatal(err)
	}
	qm, err = db.HomeQuarantinedMembers(ctx, community, t0, t0.AddDate(0, 0, 1))
	if err != nil || len(qm) != 1 || qm[0].Member.ID != resident.ID || qm[0].Quarantine.ID == 0 {
		t.Fatalf("home quarantined members once registered %+v, %v", qm, err)
	}
	if qm, err := db.HomeQuarantinedMembers(ctx, community, t0.AddDate(0, 0, 5), t0.AddDate(0, 0, 6)); err != nil || len(qm) != 0 {
		t.Fatalf("after the order: %d, %v", len(qm), err)
	}
	ids, err := db.CheckPersonIDs(ctx, [][]byte{li.PersonKey, wang.PersonKey})
	if err != nil || len(ids) != 1 || ids[string(li.PersonKey)] != p.ID {
		t.Fatalf("person ids %v, %v", ids, err)
	}
}
