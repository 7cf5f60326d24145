package tracing

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// benchVisits makes n visits of people (numbered from firstPerson) at
// venues over span: stays of 5 minutes to 3 hours, a fifth of them
// estimated.
func benchVisits(r *rand.Rand, n, people, firstPerson, venues int, span time.Duration) []healthcode.Visit {
	start := time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC)
	visits := make([]healthcode.Visit, n)
	for i := range visits {
		v := r.IntN(venues)
		from := start.Add(time.Duration(r.Int64N(int64(span))))
		visits[i] = healthcode.Visit{
			VisitPerson: healthcode.VisitPerson{Region: "CN-510100", Subject: fmt.Appendf(nil, "%08d", firstPerson+r.IntN(people))},
			VenueID:     fmt.Sprintf("V%06d", v),
			VenueKind:   healthcode.VenueKinds[v%len(healthcode.VenueKinds)],
			From:        from,
			To:          from.Add(time.Duration(5+r.IntN(175)) * time.Minute),
			Estimated:   r.IntN(5) == 0,
		}
	}
	return visits
}

func benchmarkExpose(b *testing.B, cases, others []healthcode.Visit) {
	rules := DefaultRules()
	var found int
	n := 0
	for b.Loop() {
		found = len(Expose(cases, others, &rules, nil))
		n++
	}
	b.ReportMetric(float64(n)*float64(len(cases)+len(others))/b.Elapsed().Seconds(), "visits/s")
	b.ReportMetric(float64(found), "exposed")
}

// BenchmarkExpose is an outbreak's first round: 1,000 case visits against
// 200,000 visits of 100,000 people at 2,000 venues over two days.
func BenchmarkExpose(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := benchVisits(r, 1000, 200, 0, 2000, 48*time.Hour)
	others := benchVisits(r, 200_000, 100_000, 1000, 2000, 48*time.Hour)
	benchmarkExpose(b, cases, others)
}

// BenchmarkExposeCrowded is the dense end: 1,000 case visits at 5 busy
// stations and malls, each with 20,000 visits in one day, so each case
// visit has thousands of people near it.
func BenchmarkExposeCrowded(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	cases := benchVisits(r, 1000, 200, 0, 5, 24*time.Hour)
	others := benchVisits(r, 100_000, 100_000, 1000, 5, 24*time.Hour)
	benchmarkExpose(b, cases, others)
}
