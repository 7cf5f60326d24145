//go:build unix

package node_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The stages of BenchmarkFederationFlow, each alone (docs/benchmarks.md):
// in a deployment B, the hub and A run on machines of their own, and the
// flow goes at the rate of its slowest stage. Each reports records/s and
// the process's CPU seconds of the timed part (cpu-s/op).

// BenchmarkFederationSend is B's stage: from n records queued in B's
// outbox to every one taken by the hub (packed, signed, stored on the
// records, posted, marked sent). The hub's work is in the same process
// and in cpu-s/op.
//
//	go test ./node -run '^$' -bench FederationSend -benchtime 1x -count 3
func BenchmarkFederationSend(b *testing.B) {
	n := flowRecords()
	var timed, cpu time.Duration
	for range b.N {
		b.StopTimer()
		f := newFlow(b, n, false)
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		f.send(b)
		timed += time.Since(start)
		cpu += cpuTime() - cpu0
		b.StopTimer()
		f.checkAtHub(b)
	}
	reportStage(b, n, timed, cpu)
}

// send runs B's sender until its outbox is sent.
func (f *federationFlow) send(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	for {
		if err := f.sender.Send(ctx); err != nil {
			tb.Fatal(err)
		}
		n, err := f.b.db.OutboxUnsent(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// checkAtHub fails unless the hub lists n records for A, and B's outbox is
// sent.
func (f *federationFlow) checkAtHub(tb testing.TB) {
	tb.Helper()
	if n, err := f.b.db.OutboxUnsent(context.Background()); err != nil || n != 0 {
		tb.Fatalf("B's outbox: %d unsent (%v)", n, err)
	}
	if got := f.listAll(tb, false); got != f.n {
		tb.Fatalf("the hub lists %d records for A, want %d", got, f.n)
	}
}

// listAll pages the hub's batches for A as A's receiver does (100 a page)
// and returns the records they hold; with ack, each page is acked. It reads
// no more of a batch than the client needs to page: the receiving node's
// work of decoding is not the hub's.
func (f *federationFlow) listAll(tb testing.TB, ack bool) int {
	tb.Helper()
	client := f.hubSrv.Client()
	records := 0
	for since := int64(0); ; {
		req, _ := http.NewRequest(http.MethodGet, f.hubSrv.URL+"/hub/v1/batches?since="+strconv.FormatInt(since, 10)+"&limit=100", nil)
		req.Header.Set("Authorization", "Bearer "+f.tokenA)
		resp, err := client.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		var page struct {
			Batches []struct {
				Seq    int64  `json:"seq"`
				Signed string `json:"signed"`
			} `json:"batches"`
			Next int64 `json:"next"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			tb.Fatalf("GET batches: %s, %v", resp.Status, err)
		}
		if len(page.Batches) == 0 {
			return records
		}
		for _, b := range page.Batches {
			records += countRecords(tb, b.Signed)
		}
		since = page.Next
		if ack {
			f.postAck(tb, since)
		}
	}
}

// countRecords is the records of a signed batch (its payload, unverified).
func countRecords(tb testing.TB, signed string) int {
	tb.Helper()
	parts := strings.Split(signed, ".")
	if len(parts) != 3 {
		tb.Fatalf("a batch is not a JWS")
	}
	// Each record is an object with one record_kind: counting them is
	// enough, and cheaper than decoding base64 and JSON twice.
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.Count(payload, []byte(`"record_kind"`))
}

func (f *federationFlow) postAck(tb testing.TB, through int64) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.hubSrv.URL+"/hub/v1/batches/ack",
		strings.NewReader(fmt.Sprintf(`{"through":%d}`, through)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.tokenA)
	resp, err := f.hubSrv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("POST ack: %s", resp.Status)
	}
}

// captureTransport keeps the bodies of the batches a sender posts and
// answers 201 for each, as a hub would, without one.
type captureTransport struct {
	mu     sync.Mutex
	bodies [][]byte
	seq    int64
}

func (c *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.bodies = append(c.bodies, body)
	c.seq++
	seq := c.seq
	c.mu.Unlock()
	return &http.Response{StatusCode: http.StatusCreated, Status: "201 Created", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(strings.NewReader(fmt.Sprintf(`{"id":"x","seq":%d}`, seq))),
		Request: req}, nil
}

// BenchmarkFederationHub is the hub's stage: B's n records, packed and
// signed beforehand (untimed), posted to the hub three at a time as B's
// sender posts them (POST /hub/v1/batches: token, signature, checks,
// stored), then listed for A a page of 100 at a time and each page acked.
// The client's part is small: it writes the bodies and, of the pages,
// reads the JSON and counts records.
//
//	go test ./node -run '^$' -bench FederationHub -benchtime 1x -count 3
func BenchmarkFederationHub(b *testing.B) {
	n := flowRecords()
	var timed, cpu time.Duration
	for range b.N {
		b.StopTimer()
		f := newFlow(b, n, false)
		capture := &captureTransport{}
		f.sender.Client.HTTP = &http.Client{Transport: capture}
		f.send(b)
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		f.postAll(b, capture.bodies)
		if got := f.listAll(b, true); got != n {
			b.Fatalf("the hub listed %d records for A, want %d", got, n)
		}
		timed += time.Since(start)
		cpu += cpuTime() - cpu0
		b.StopTimer()
	}
	reportStage(b, n, timed, cpu)
}

// postAll posts the bodies to the hub as B, three at a time.
func (f *federationFlow) postAll(tb testing.TB, bodies [][]byte) {
	tb.Helper()
	token := f.sender.Client.Token
	client := f.hubSrv.Client()
	work := make(chan []byte)
	errs := make(chan error, 3)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for body := range work {
				req, _ := http.NewRequest(http.MethodPost, f.hubSrv.URL+"/hub/v1/batches", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						err = fmt.Errorf("POST batch: %s", resp.Status)
					}
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for _, body := range bodies {
		work <- body
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		tb.Fatal(err)
	default:
	}
}

// BenchmarkFederationApply is A's stage: n records stored at the hub for
// A (sent by B's sender, untimed), then A's HubReceiver pages, verifies,
// imports and acks them until the hub has no more, and A's statuses are
// recomputed until none is due. Beside the rate into stored statuses it
// reports stored-records/s: the records stored and their people's
// statuses marked due (which every read of a status honours) when the
// receive ends, the recompute not waited for.
//
//	go test ./node -run '^$' -bench FederationApply -benchtime 1x -count 3
func BenchmarkFederationApply(b *testing.B) {
	n := flowRecords()
	var timed, stored, cpu time.Duration
	for range b.N {
		b.StopTimer()
		f := newFlow(b, n, true)
		f.send(b)
		b.StartTimer()
		stop := profileTimed(b)
		start, cpu0 := time.Now(), cpuTime()
		stored += f.apply(b)
		timed += time.Since(start)
		cpu += cpuTime() - cpu0
		stop()
		b.StopTimer()
		f.check(b)
	}
	reportStage(b, n, timed, cpu)
	b.ReportMetric(float64(n)*float64(b.N)/stored.Seconds(), "stored-records/s")
}

// apply receives at A until the hub has nothing more and no status is due,
// and returns how long the receive took.
func (f *federationFlow) apply(tb testing.TB) time.Duration {
	tb.Helper()
	start := time.Now()
	if err := f.recv.Receive(context.Background()); err != nil {
		tb.Fatal(err)
	}
	received := time.Since(start)
	f.waitStatuses(tb)
	return received
}

// profileTimed writes a CPU profile of the timed part to the file
// HEALTHCODE_BENCH_CPUPROFILE names (the last iteration's), until stop.
func profileTimed(tb testing.TB) (stop func()) {
	stopAllocs := profileAllocs(tb)
	path := os.Getenv("HEALTHCODE_BENCH_CPUPROFILE")
	if path == "" {
		return stopAllocs
	}
	out, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		tb.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
		stopAllocs()
	}
}

// profileAllocs writes the allocations profile to the file
// HEALTHCODE_BENCH_MEMPROFILE names at the start of the timed part, as
// FILE.base, and at its end, as FILE: `go tool pprof -diff_base FILE.base
// FILE` shows what the timed part allocated.
func profileAllocs(tb testing.TB) (stop func()) {
	path := os.Getenv("HEALTHCODE_BENCH_MEMPROFILE")
	if path == "" {
		return func() {}
	}
	write := func(name string) {
		runtime.GC() // the profile holds what the last GC saw
		out, err := os.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		defer out.Close()
		if err := pprof.Lookup("allocs").WriteTo(out, 0); err != nil {
			tb.Fatal(err)
		}
	}
	write(path + ".base")
	return func() { write(path) }
}

func reportStage(b *testing.B, n int, timed, cpu time.Duration) {
	b.ReportMetric(float64(n)*float64(b.N)/timed.Seconds(), "records/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}
