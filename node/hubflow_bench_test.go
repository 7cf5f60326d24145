//go:build unix

package node_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gctune"
	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/storetest"
)

// flowRecords is the number of records BenchmarkFederationFlow sends;
// HEALTHCODE_BENCH_RECORDS overrides it.
func flowRecords() int {
	if n, err := strconv.Atoi(os.Getenv("HEALTHCODE_BENCH_RECORDS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// federationFlow is way 1 in one process: a real hub (Registry and
// HubServer on 127.0.0.1, its own store), node B (region sender) whose
// lab imported positive tests of region's people, and node A (region)
// holding those people.
type federationFlow struct {
	hubSrv *httptest.Server
	a, b   *env
	n      int
	rec    *node.Recompute // A's
	sender *node.HubSender
	recv   *node.HubReceiver
	// importB is how long B's import of the n rows took.
	importB time.Duration
	// tokenA is A's peer token at the hub.
	tokenA string
}

func newFederationFlow(tb testing.TB, n int) *federationFlow {
	return newFlow(tb, n, true)
}

// newFlow is newFederationFlow; without seedA, A holds none of the people
// (the stages that never reach A's store).
func newFlow(tb testing.TB, n int, seedA bool) *federationFlow {
	tb.Helper()
	serverGC(tb)
	ctx := context.Background()
	f := &federationFlow{a: newEnv(tb), b: newEnv(tb), n: n}
	logger := slog.New(slog.DiscardHandler)
	if os.Getenv("HEALTHCODE_BENCH_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}

	// The hub, on A's clock (every clock here is the same fixed time).
	hubDB := storetest.MustOpenDB(tb)
	g := hub.New(hubDB)
	g.Now = f.a.clock.Now
	keysA, err := f.a.keys.Keys(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	keysB, err := f.b.keys.Keys(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tokenA, err := g.AddRegion(ctx, &healthcode.Region{ID: region, Name: "杭州市", Mode: healthcode.ModeLocal},
		[]*healthcode.RegionKey{{Alg: keysA[0].Alg, PublicKey: keysA[0].PublicKey}})
	if err != nil {
		tb.Fatal(err)
	}
	tokenB, err := g.AddRegion(ctx, &healthcode.Region{ID: sender, Name: "广州市", Mode: healthcode.ModeLocal},
		[]*healthcode.RegionKey{{Alg: keysB[0].Alg, PublicKey: keysB[0].PublicKey}})
	if err != nil {
		tb.Fatal(err)
	}
	_, hubKey, err := g.PublicKey(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	srv := hchttp.NewHubServer()
	srv.Hub, srv.National, srv.Auth, srv.Ready = g, g, node.NewAuthService(hubDB, storetest.TestBox(tb), nil), hubDB.Ping
	f.hubSrv = httptest.NewServer(srv.Handler())
	tb.Cleanup(f.hubSrv.Close)
	f.tokenA = tokenA

	// A: the people, green and not due, each with a passport E%08d.
	f.rec = &node.Recompute{Store: f.a.db, Citizens: f.a.citizens}
	if seedA {
		seedCity(tb, f.a.db, 1, n, f.a.clock.Now(), func(int) cityPerson { return cityPerson{} })
		// The seed writes statuses as JSON, as stores did before CBOR: one
		// recompute stores them as a node of today holds them.
		if _, err := f.a.db.SQL().ExecContext(ctx, `UPDATE statuses SET reevaluate_at = $1`, f.a.clock.Now().UnixMicro()); err != nil {
			tb.Fatal(err)
		}
		if _, err := f.rec.Run(ctx, "bench: statuses as a node stores them", nil); err != nil {
			tb.Fatal(err)
		}
	}
	clientA := &node.HubClient{URL: f.hubSrv.URL, Token: tokenA, HubKey: hubKey, Region: region, Keys: f.a.keys,
		DataDir: tb.TempDir(), HTTP: f.hubSrv.Client(), Now: f.a.clock.Now, Logger: logger}
	if err := clientA.FetchTrust(ctx); err != nil {
		tb.Fatal(err)
	}
	importA := &node.ImportService{Store: f.a.db, PersonKey: f.a.db.Box().PersonKey, Region: region,
		Recomputer: f.rec, Now: f.a.clock.Now, Logger: logger}
	f.recv = &node.HubReceiver{Client: clientA, Store: f.a.db, Import: importA, Region: region,
		Now: f.a.clock.Now, Logger: logger}
	if every, err := strconv.Atoi(os.Getenv("HEALTHCODE_BENCH_RECOMPUTE_EVERY")); err == nil {
		f.recv.RecomputeEvery = every
	}

	// B: its lab's file of positive tests of A's people, with home_region
	// A, queued in B's outbox by the import.
	var csv strings.Builder
	csv.WriteString("id,id_type,id_number,sampled_at,result,home_region\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&csv, "lab-%d,passport,E%08d,2026-11-20T08:00:00+08:00,positive,%s\n", i, i, region)
	}
	importB := &node.ImportService{Store: f.b.db, PersonKey: f.b.db.Box().PersonKey, Region: sender,
		Now: f.b.clock.Now, Logger: logger}
	start := time.Now()
	sum, err := importB.Import(ctx, healthcode.KindTests, healthcode.FormatCSV, strings.NewReader(csv.String()))
	if err != nil {
		tb.Fatal(err)
	}
	f.importB = time.Since(start)
	if sum.Forwarded != int64(n) {
		tb.Fatalf("B's import: %+v, want %d forwarded", sum, n)
	}
	clientB := &node.HubClient{URL: f.hubSrv.URL, Token: tokenB, Region: sender, Keys: f.b.keys,
		HTTP: f.hubSrv.Client(), Now: f.b.clock.Now, Logger: logger}
	f.sender = &node.HubSender{Client: clientB, Store: f.b.db, Now: f.b.clock.Now, Logger: logger}
	return f
}

// run sends B's outbox and receives it at A until every record is applied
// and no status at A is due.
func (f *federationFlow) run(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	sent := make(chan struct{})
	var sendErr, recvErr error
	wg.Go(func() {
		defer close(sent)
		for {
			if sendErr = f.sender.Send(ctx); sendErr != nil {
				return
			}
			n, err := f.b.db.OutboxUnsent(ctx)
			if err != nil || n == 0 {
				sendErr = err
				return
			}
		}
	})
	wg.Go(func() {
		for done := false; ; {
			select {
			case <-sent:
				done = true
			default:
			}
			if recvErr = f.recv.Receive(ctx); recvErr != nil || done {
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	wg.Wait()
	if sendErr != nil || recvErr != nil {
		tb.Fatalf("send: %v; receive: %v", sendErr, recvErr)
	}
	f.waitStatuses(tb)
}

// waitStatuses waits until A runs no recompute and has no status due.
func (f *federationFlow) waitStatuses(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		var jobs int
		if err := f.a.db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')`).Scan(&jobs); err != nil {
			tb.Fatal(err)
		}
		if jobs == 0 {
			due, err := f.a.db.CountDue(ctx, f.a.clock.Now())
			if err != nil {
				tb.Fatal(err)
			}
			if due == 0 {
				return
			}
			// Marked due after the last job started: one more.
			if _, err := f.rec.Run(ctx, "bench: the rest", nil); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		time.Sleep(2 * time.Millisecond)
	}
	tb.Fatal("A's statuses are still due")
}

// check fails unless every record is stored at A, and its person red.
func (f *federationFlow) check(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	var stored, red int
	if err := f.a.db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM tests WHERE external_id LIKE $1`, sender+"/%").Scan(&stored); err != nil {
		tb.Fatal(err)
	}
	if err := f.a.db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM statuses WHERE colour = $1`, int64(healthcode.Red)).Scan(&red); err != nil {
		tb.Fatal(err)
	}
	if stored != f.n || red != f.n {
		tb.Fatalf("at A: %d records of %s stored and %d statuses red, want %d", stored, sender, red, f.n)
	}
	if n, err := f.b.db.OutboxUnsent(ctx); err != nil || n != 0 {
		tb.Fatalf("B's outbox: %d unsent (%v)", n, err)
	}
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFederationFlow is way 1 end to end in one process
// (docs/benchmarks.md): from records queued in B's outbox (B's import
// untimed, reported as B-import-records/s) through a real hub to A's
// statuses, recomputed. On the backend of HEALTHCODE_TEST_DB:
//
//	go test ./node -run '^$' -bench FederationFlow -benchtime 1x -count 5
func BenchmarkFederationFlow(b *testing.B) {
	n := flowRecords()
	var timed, importB, cpu time.Duration
	for range b.N {
		b.StopTimer()
		f := newFederationFlow(b, n)
		importB += f.importB
		b.StartTimer()
		stop := profileTimed(b)
		start, cpu0 := time.Now(), cpuTime()
		f.run(b)
		timed += time.Since(start)
		cpu += cpuTime() - cpu0
		stop()
		b.StopTimer()
		f.check(b)
	}
	b.ReportMetric(float64(n)*float64(b.N)/timed.Seconds(), "records/s")
	// The process's CPU time (the three stores and the hub's HTTP; on
	// PostgreSQL not the server's): a figure other work on the machine
	// moves less than the rate.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(n)*float64(b.N)/importB.Seconds(), "B-import-records/s")
}

// serverGC runs the collector as serve and hub do (package gctune) until
// the benchmark ends: the three parties are servers.
func serverGC(tb testing.TB) {
	percent := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(-1)
	debug.SetGCPercent(percent)
	gctune.Serve()
	tb.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
}
