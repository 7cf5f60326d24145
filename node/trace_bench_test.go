package node_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gen"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/status"
	"github.com/healthcode/healthcode/storetest"
)

// BenchmarkTrace traces cases over a generated city's scan log, on the
// backend of HEALTHCODE_TEST_DB. The city is the benchmark city of issue 5
// scaled down by HEALTHCODE_BENCH_PEOPLE (default 50,000 persons): a venue
// per 50 persons and 10 scans a person over 30 days, so each venue sees as
// many people an hour as in the full city and a case meets as many.
//
//	go test ./node -run '^$' -bench 'Trace$' -benchtime 200x
//
// "case" traces one case (a different one each time) over the 7 days
// before the city's present: its visits, everyone's stays around them and
// the exposures; "outbreak" traces 1,000 cases at once.
func BenchmarkTrace(b *testing.B) {
	ctx := context.Background()
	db := storetest.MustOpenDB(b)
	persons := benchPeople()
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, cst)
	city, err := gen.NewCity(gen.Config{Persons: persons, Venues: persons / 50, Scans: persons * 10, Seed: 1, Region: region, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := gen.Run(ctx, city, gen.Options{Store: db}); err != nil {
		b.Fatal(err)
	}
	policy := status.DefaultPolicy()
	tracer := &node.TraceService{Store: db, Region: region, Rules: policy.TraceRules, Now: func() time.Time { return now }}
	r := rand.New(rand.NewPCG(1, 2))
	cases := make([]healthcode.TraceCase, 1000)
	for i := range cases {
		p := city.Person(r.IntN(persons))
		cases[i] = healthcode.TraceCase{IDType: p.IDType, IDNumber: p.IDNumber, From: now.Add(-7 * 24 * time.Hour), To: now}
	}

	b.Run("case", func(b *testing.B) {
		exposed := 0
		for i := 0; b.Loop(); i++ {
			t, err := tracer.Run(ctx, cases[i%len(cases):i%len(cases)+1], nil)
			if err != nil {
				b.Fatal(err)
			}
			exposed += len(t.Exposures)
		}
		b.ReportMetric(float64(exposed)/float64(b.N), "exposed/op")
	})
	b.Run(fmt.Sprintf("outbreak=%d", len(cases)), func(b *testing.B) {
		exposed := 0
		for b.Loop() {
			t, err := tracer.Run(ctx, cases, nil)
			if err != nil {
				b.Fatal(err)
			}
			exposed = len(t.Exposures)
		}
		b.ReportMetric(float64(exposed), "exposed/op")
	})
}

// BenchmarkTraceApply applies a trace of 100,000 companions to a city of
// green people (100,000, or HEALTHCODE_BENCH_PEOPLE if more): the contacts
// records imported and every companion recomputed yellow.
//
//	go test ./node -run '^$' -bench TraceApply -benchtime 3x
//	HEALTHCODE_BENCH_PEOPLE=1000000 go test ./node -run '^$' -bench TraceApply -benchtime 3x
func BenchmarkTraceApply(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	now := e.clock.Now()
	const n = 100_000
	people := max(benchPeople(), n)
	ids := seedCity(b, e.db, 1, people, now, func(int) cityPerson { return cityPerson{} })[:n]
	subjects, err := e.db.SQL().QueryContext(ctx, `SELECT id, subject FROM persons`)
	if err != nil {
		b.Fatal(err)
	}
	subject := map[int64][]byte{}
	for subjects.Next() {
		var id int64
		var s []byte
		if err := subjects.Scan(&id, &s); err != nil {
			b.Fatal(err)
		}
		subject[id] = s
	}
	subjects.Close()
	exposed := make([]healthcode.Exposure, len(ids))
	for i, id := range ids {
		at := now.Add(-time.Duration(i%2880) * time.Minute)
		exposed[i] = healthcode.Exposure{VisitPerson: healthcode.VisitPerson{Region: region, Subject: subject[id], PersonID: id},
			Degree: healthcode.DegreeCompanion, CaseRef: "11**************1X", VenueID: "V000001",
			From: at, To: at.Add(time.Hour), ExposedAt: at}
	}
	r := e.recompute()
	r.Chunk = benchChunk()
	tracer := &node.TraceService{Store: e.db, Region: region, Rules: status.DefaultPolicy().TraceRules, Now: e.clock.Now, Recompute: r}
	for b.Loop() {
		b.StopTimer()
		// Everyone green again: no contacts, every status re-evaluated.
		if _, err := e.db.SQL().ExecContext(ctx, `DELETE FROM contacts`); err != nil {
			b.Fatal(err)
		}
		if _, err := e.db.SQL().ExecContext(ctx, `UPDATE statuses SET reevaluate_at = $1`, now.UnixMicro()); err != nil {
			b.Fatal(err)
		}
		e.clock.Add(time.Second)
		if _, err := tracer.Recompute.Run(ctx, "reset", nil); err != nil { // everyone: outside the timing
			b.Fatal(err)
		}
		t := &healthcode.Trace{State: healthcode.JobDone, Cases: []healthcode.TraceCase{{IDNumber: "x"}}, Exposures: exposed,
			Visits: []healthcode.Visit{}, CreatedAt: now, FinishedAt: now}
		if err := e.db.CreateTrace(ctx, t); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		sum, err := tracer.ApplyTrace(ctx, t.ID)
		if err != nil || sum.Accepted != n {
			b.Fatalf("apply: %+v, %v", sum, err)
		}
	}
	b.StopTimer()
	st, err := e.citizens.Status(ctx, ids[n/2])
	if err != nil || st.Colour != healthcode.Yellow {
		b.Fatalf("a companion's status after apply: %+v, %v", st, err)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "companions/s")
}
