package node_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlite"
	"github.com/healthcode/healthcode/storetest"
)

// benchPeople is the size of the benchmark's city; HEALTHCODE_BENCH_PEOPLE
// overrides it.
func benchPeople() int {
	if n, err := strconv.Atoi(os.Getenv("HEALTHCODE_BENCH_PEOPLE")); err == nil && n > 0 {
		return n
	}
	return 50_000
}

// BenchmarkRecompute recomputes a city whose every status is due (as after
// an import touching everyone), on the backend of HEALTHCODE_TEST_DB:
//
//	go test ./node -run '^$' -bench Recompute -benchtime 3x
func BenchmarkRecompute(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	now := e.clock.Now()
	n := benchPeople()
	seedCity(b, e.db, 1, n, now, func(i int) cityPerson {
		if i%2 == 0 {
			return cityPerson{travel: "420106"}
		}
		return cityPerson{declared: "420106"}
	})
	r := e.recompute()
	r.Chunk = benchChunk()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		if _, err := e.db.SQL().ExecContext(ctx, `UPDATE statuses SET reevaluate_at = $1`, now.UnixMicro()); err != nil {
			b.Fatal(err)
		}
		e.clock.Add(time.Second)
		b.StartTimer()
		job, err := r.Run(ctx, "bench", nil)
		if err != nil || job.Done != int64(n) {
			b.Fatalf("job = %+v, %v", job, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "statuses/s")
}

// BenchmarkRiskAreaChange sets a high-risk area over a city where everyone
// has a stay in it: the marking and the recompute of every status.
func BenchmarkRiskAreaChange(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	now := e.clock.Now()
	n := benchPeople()
	seedCity(b, e.db, 1, n, now, func(i int) cityPerson {
		if i%2 == 0 {
			return cityPerson{travel: "420106"}
		}
		return cityPerson{declared: "420106"}
	})
	r := e.recompute()
	r.Chunk = 0
	lists := [][]healthcode.RiskArea{
		{{Division: "420100", Level: healthcode.RiskHigh, From: now.Add(-5 * 24 * time.Hour)}},
		nil,
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		touched, err := r.ReplaceRiskAreas(ctx, lists[i%2])
		if err != nil || touched != int64(n) {
			b.Fatalf("touched = %d, %v", touched, err)
		}
		job, err := r.Run(ctx, "bench", nil)
		if err != nil || job.Done != int64(n) || job.Changed != int64(n) {
			b.Fatalf("job = %+v, %v", job, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "statuses/s")
}

// TestSeedCity writes a city for the command-line measurement into the
// SQLite data directory HEALTHCODE_SEED_DATA (HEALTHCODE_BENCH_PEOPLE
// people, each with a stay in 420106); skipped when it is unset:
//
//	HEALTHCODE_SEED_DATA=/tmp/city HEALTHCODE_BENCH_PEOPLE=1000000 go test ./node -run TestSeedCity -timeout 30m
func TestSeedCity(t *testing.T) {
	dir := os.Getenv("HEALTHCODE_SEED_DATA")
	if dir == "" {
		t.Skip("HEALTHCODE_SEED_DATA not set")
	}
	db, err := sqlite.Open(context.Background(), dir, storetest.TestBox(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	seedCity(t, db, 1, benchPeople(), now, func(i int) cityPerson {
		if i%2 == 0 {
			return cityPerson{travel: "420106"}
		}
		return cityPerson{declared: "420106"}
	})
}

func benchChunk() int {
	if v, err := strconv.Atoi(os.Getenv("HEALTHCODE_BENCH_CHUNK")); err == nil {
		return v
	}
	return 0
}
