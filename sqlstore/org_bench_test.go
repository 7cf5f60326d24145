package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// benchOrgSize is the organisation of the speed figures.
const benchOrgSize = 100_000

// seedBenchPeople registers nine in ten of n people, declared and
// evaluated (colours in turn), every other one with a negative test 20
// hours old (the rest 10 days old), with two doses.
func seedBenchPeople(b *testing.B, db *sqlstore.DB, n int) {
	b.Helper()
	registered := n * 9 / 10
	const chunk = 20_000
	for first := 0; first < registered; first += chunk {
		people := seedPeople(first, min(chunk, registered-first))
		for k := range people {
			s := people[k].Status
			s.Doses = 2
			s.LatestTest = &healthcode.TestSummary{SampledAt: t0.Add(-10 * 24 * time.Hour), Result: healthcode.Negative}
			if (first+k)%2 == 0 {
				s.LatestTest.SampledAt = t0.Add(-20 * time.Hour)
			}
		}
		if _, err := db.SeedPersons(ctx, people); err != nil {
			b.Fatal(err)
		}
	}
}

// seedBenchOrg makes an organisation of the n people of seedBenchPeople
// in 50 units.
func seedBenchOrg(b *testing.B, db *sqlstore.DB, n int) *healthcode.Org {
	b.Helper()
	seedBenchPeople(b, db, n)
	o := &healthcode.Org{Kind: healthcode.OrgEmployer, Name: "bench", Division: "330106"}
	if err := db.CreateOrg(ctx, o); err != nil {
		b.Fatal(err)
	}
	if _, _, err := db.AddOrgMembers(ctx, o.ID, benchMembers(n)); err != nil {
		b.Fatal(err)
	}
	return o
}

func benchMembers(n int) []*healthcode.OrgMember {
	ms := make([]*healthcode.OrgMember, n)
	for i := range ms {
		ms[i] = &healthcode.OrgMember{Unit: fmt.Sprintf("部门%02d", i%50), IDType: "passport",
			IDNumber: fmt.Sprintf("E%08d", i), Name: fmt.Sprintf("张%d", i)}
	}
	return ms
}

// BenchmarkOrgReport: the daily report's counts of an organisation of
// 100,000 members (the issue asks under 200 ms).
func BenchmarkOrgReport(b *testing.B) {
	db := storetest.MustOpenDB(b)
	o := seedBenchOrg(b, db, benchOrgSize)
	b.ResetTimer()
	for b.Loop() {
		units, err := db.OrgReportCounts(ctx, o.ID, "", t0, o.TestWindow)
		if err != nil {
			b.Fatal(err)
		}
		var total healthcode.UnitReport
		for _, u := range units {
			total.Add(u)
		}
		if total.Members != benchOrgSize || total.Missing != benchOrgSize/10 || total.Tested != benchOrgSize*9/20 {
			b.Fatalf("total %+v", total)
		}
	}
}

// BenchmarkOrgRosterStore: storing a roster of 100,000 members, nine in
// ten registered, in one transaction (the issue asks the whole import
// under 5 s). Each round adds another organisation of the same people.
func BenchmarkOrgRosterStore(b *testing.B) {
	db := storetest.MustOpenDB(b)
	seedBenchPeople(b, db, benchOrgSize)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		o := &healthcode.Org{Kind: healthcode.OrgSchool, Name: "bench", Division: "330106"}
		if err := db.CreateOrg(ctx, o); err != nil {
			b.Fatal(err)
		}
		ms := benchMembers(benchOrgSize)
		b.StartTimer()
		if added, _, err := db.AddOrgMembers(ctx, o.ID, ms); err != nil || added != benchOrgSize {
			b.Fatal(added, err)
		}
	}
}

// BenchmarkOrgMemberKeys: the reads of members by person key, whose
// index migration 0024 changed (one unique index on (person_key,
// org_id)), on an organisation of 100,000: the check-ins of a day of
// 20,000 members, and 1,000 people's memberships.
func BenchmarkOrgMemberKeys(b *testing.B) {
	db := storetest.MustOpenDB(b)
	seedBenchPeople(b, db, benchOrgSize)
	o := &healthcode.Org{Kind: healthcode.OrgCommunity, Name: "bench", Division: "330106"}
	if err := db.CreateOrg(ctx, o); err != nil {
		b.Fatal(err)
	}
	ms := benchMembers(benchOrgSize)
	if _, _, err := db.AddOrgMembers(ctx, o.ID, ms); err != nil {
		b.Fatal(err)
	}
	const checkIns = 20_000
	checks := make([]*healthcode.HealthCheck, checkIns)
	for i := range checks {
		temp := 36.5
		checks[i] = &healthcode.HealthCheck{PersonKey: ms[i*benchOrgSize/checkIns].PersonKey, Session: healthcode.CheckDaily,
			Date: "2022-04-01", CheckedAt: t0, Temperature: &temp, EnteredBy: "self"}
	}
	if _, err := db.SaveHealthChecks(ctx, checks, func(*healthcode.HealthCheck) bool { return false }); err != nil {
		b.Fatal(err)
	}
	b.Run("check-ins", func(b *testing.B) {
		for b.Loop() {
			if ins, err := db.MemberCheckIns(ctx, o.ID, "2022-04-01", "2022-04-01"); err != nil || len(ins) != checkIns {
				b.Fatal(len(ins), err)
			}
		}
	})
	b.Run("by-person-key", func(b *testing.B) {
		for b.Loop() {
			for i := range 1000 {
				if m, err := db.OrgMembersByPersonKey(ctx, ms[i*97].PersonKey); err != nil || len(m) != 1 {
					b.Fatal(len(m), err)
				}
			}
		}
	})
}
