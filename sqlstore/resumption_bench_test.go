package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// resumptionBenchSize is the organisation of the speed figures.
const resumptionBenchSize = 100_000

// seedResumptionOrg registers n people (seedPeople: every other one
// declared a stay in Shanghai ending a day before t0; colours in turn) and
// puts them all on the roster of an organisation of kind, in 50 units;
// one in ten also has a travel record outside the region.
func seedResumptionOrg(b *testing.B, db *sqlstore.DB, kind string, n int) *healthcode.Org {
	b.Helper()
	const chunk = 20_000
	for first := 0; first < n; first += chunk {
		if _, err := db.SeedPersons(ctx, seedPeople(first, min(chunk, n-first))); err != nil {
			b.Fatal(err)
		}
	}
	o := &healthcode.Org{Kind: kind, Name: "bench", Division: "330106"}
	if err := db.CreateOrg(ctx, o); err != nil {
		b.Fatal(err)
	}
	ms := make([]*healthcode.OrgMember, n)
	var travel []healthcode.Travel
	for i := range ms {
		id := fmt.Sprintf("E%08d", i)
		ms[i] = &healthcode.OrgMember{Unit: fmt.Sprintf("%02d幢", i%50), IDType: "passport", IDNumber: id, Name: fmt.Sprintf("张%d", i)}
		if i%10 == 0 {
			travel = append(travel, healthcode.Travel{PersonKey: db.Box().PersonKey(id), Division: "110105",
				From: t0.Add(-5 * 24 * time.Hour), To: t0.Add(-3 * 24 * time.Hour)})
		}
	}
	if _, _, err := db.AddOrgMembers(ctx, o.ID, ms); err != nil {
		b.Fatal(err)
	}
	if err := db.AddRecords(ctx, &healthcode.RecordBatch{Travel: travel}); err != nil {
		b.Fatal(err)
	}
	return o
}

// BenchmarkStaysOutside reads the returnees of a community of 100,000
// members, half of them back from a stay outside the region.
func BenchmarkStaysOutside(b *testing.B) {
	db := storetest.MustOpenDB(b)
	o := seedResumptionOrg(b, db, healthcode.OrgCommunity, resumptionBenchSize)
	var n int
	for b.Loop() {
		stays, err := db.StaysOutside(ctx, o.ID, "", "3301", t0.Add(-14*24*time.Hour), t0)
		if err != nil {
			b.Fatal(err)
		}
		n = len(stays)
	}
	if n != resumptionBenchSize/2 {
		b.Fatalf("%d returnees, want %d", n, resumptionBenchSize/2)
	}
	b.ReportMetric(float64(n), "returnees")
}

// BenchmarkMemberReadiness reads what an employer of 100,000 is judged
// on: the counts (an evaluation nobody reads: apply, the sweep), the
// members without names and with them (the report).
func BenchmarkMemberReadiness(b *testing.B) {
	db := storetest.MustOpenDB(b)
	o := seedResumptionOrg(b, db, healthcode.OrgEmployer, resumptionBenchSize)
	b.Run("counts", func(b *testing.B) {
		for b.Loop() {
			if n, _, err := db.ReadyCounts(ctx, o.ID, t0.Add(-48*time.Hour)); err != nil || n != resumptionBenchSize {
				b.Fatal(n, err)
			}
		}
	})
	for _, names := range []bool{false, true} {
		b.Run(fmt.Sprintf("names=%v", names), func(b *testing.B) {
			for b.Loop() {
				ms, err := db.MemberReadiness(ctx, o.ID, "", names)
				if err != nil {
					b.Fatal(err)
				}
				if len(ms) != resumptionBenchSize {
					b.Fatalf("%d members", len(ms))
				}
			}
		})
	}
}
