package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// A measurement runs one mode on its connections, one goroutine each, for
// the warm-up and then the measured duration. A request counts when its
// answer arrives inside the measured window; throughput is the counted
// requests over the window. Each goroutine keeps its own counters and
// histogram, merged at the end.

// loadWorker is one connection's goroutine and its counts.
type loadWorker struct {
	conn      *rawConn
	hist      histogram
	requests  uint64
	byStatus  [600]uint64 // non-2xx answers by status
	transport uint64
	firstErr  string
	denied    uint64 // scans answered 200 with verdict deny
	scans     uint64 // batch: scans the node took (accepted)
	dups      uint64 // batch: scans it already had
	flagged   uint64 // batch: scans it flagged
	// batch body with fixed-width fields rewritten in place per request
	batch *batchTemplate
}

// workload is how one mode makes its requests and reads their answers.
type workload struct {
	keepBody bool
	// next returns the i-th request of worker k.
	next func(w *loadWorker, k int, i uint64) []byte
	// ok reads a 2xx answer's body (kept when keepBody).
	ok func(w *loadWorker, body []byte)
}

var denyVerdict = []byte(`"verdict":"deny"`)

func newWorkload(cfg *loadConfig, mode string, fx *loadFixture) (workload, error) {
	switch mode {
	case "healthz":
		req := buildRequest("GET", cfg.host, "/healthz", "", nil)
		return workload{next: func(*loadWorker, int, uint64) []byte { return req }}, nil
	case "codes":
		reqs := make([][]byte, len(fx.citizens))
		for i, c := range fx.citizens {
			reqs[i] = buildRequest("GET", cfg.host, "/api/v1/me/code", c.token, nil)
		}
		return workload{next: func(_ *loadWorker, k int, _ uint64) []byte { return reqs[k%len(reqs)] }}, nil
	case "scans":
		// Worker k shows code k, k+1, … in turn, each in and then out, so
		// the venue's occupancy stays small.
		return workload{
			keepBody: true,
			next: func(_ *loadWorker, k int, i uint64) []byte {
				reqs := *fx.scanReqs.Load()
				return reqs[(uint64(k)+i/2)%uint64(len(reqs))][i%2]
			},
			ok: func(w *loadWorker, body []byte) {
				if bytes.Contains(body, denyVerdict) {
					w.denied++
				}
			},
		}, nil
	case "batch":
		return workload{
			keepBody: true,
			next: func(w *loadWorker, _ int, _ uint64) []byte {
				last := fx.seq.Add(int64(cfg.BatchSize))
				return w.batch.fill(last-int64(cfg.BatchSize)+1, time.Now())
			},
			ok: func(w *loadWorker, body []byte) {
				w.scans += uint64(jsonInt(body, `"accepted":`))
				w.dups += uint64(jsonInt(body, `"duplicate":`))
				w.flagged += uint64(jsonInt(body, `"flagged":`))
			},
		}, nil
	}
	return workload{}, fmt.Errorf("unknown mode %q", mode)
}

// jsonInt reads the non-negative integer after key in a flat JSON object,
// 0 when it is not there.
func jsonInt(body []byte, key string) int64 {
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return 0
	}
	var n int64
	for _, d := range bytes.TrimLeft(body[i+len(key):], " ") {
		if d < '0' || d > '9' {
			break
		}
		n = n*10 + int64(d-'0')
	}
	return n
}

// batchTemplate is a whole POST /api/v1/scans/batch request whose sequence
// numbers and scan times have fixed width (numbers padded with spaces,
// which JSON allows), so each upload rewrites them in place.
type batchTemplate struct {
	req     []byte
	seqAt   []int // offsets of the 12-character seq fields
	timeAt  []int // offsets of the 20-character scanned_at values
	lastSec int64
}

const batchSeqWidth = 12

func newBatchTemplate(host, token string, size int, citizens []*loadCitizen) *batchTemplate {
	var body bytes.Buffer
	var seqAt, timeAt []int
	body.WriteString(`{"scans":[`)
	stamp := time.Now().UTC().Format(time.RFC3339)
	for i := 0; i < size; i++ {
		c := citizens[i%len(citizens)]
		dir := "in"
		if (i/len(citizens))%2 == 1 {
			dir = "out"
		}
		if i > 0 {
			body.WriteByte(',')
		}
		body.WriteString(`{"seq":`)
		seqAt = append(seqAt, body.Len())
		body.WriteString(strings.Repeat(" ", batchSeqWidth-1) + "0")
		body.WriteString(`,"scanned_at":"`)
		timeAt = append(timeAt, body.Len())
		body.WriteString(stamp)
		body.WriteString(`","direction":"` + dir + `","region":"` + c.region + `","subject":"` +
			base64.StdEncoding.EncodeToString(c.subject) + `","colour":"green","verdict":"pass","reasons":[]}`)
	}
	body.WriteString(`]}`)
	req := buildRequest("POST", host, "/api/v1/scans/batch", token, body.Bytes())
	head := len(req) - body.Len()
	for i := range seqAt {
		seqAt[i] += head
		timeAt[i] += head
	}
	return &batchTemplate{req: req, seqAt: seqAt, timeAt: timeAt}
}

// fill writes sequence numbers first, first+1, … and the scan time now
// into the request and returns it.
func (b *batchTemplate) fill(first int64, now time.Time) []byte {
	var digits [batchSeqWidth]byte
	for i, at := range b.seqAt {
		d := strconv.AppendInt(digits[:0], first+int64(i), 10)
		f := b.req[at : at+batchSeqWidth]
		pad := batchSeqWidth - len(d)
		for j := 0; j < pad; j++ {
			f[j] = ' '
		}
		copy(f[pad:], d)
	}
	if sec := now.Unix(); sec != b.lastSec {
		b.lastSec = sec
		var stamp [32]byte
		s := now.UTC().AppendFormat(stamp[:0], time.RFC3339)
		for _, at := range b.timeAt {
			copy(b.req[at:at+len(s)], s)
		}
	}
	return b.req
}

// modeResult is one measurement.
type modeResult struct {
	Mode           string            `json:"mode"`
	BaselineFor    string            `json:"baseline_for,omitempty"`
	Connections    int               `json:"connections"`
	Seconds        float64           `json:"seconds"`
	Requests       uint64            `json:"requests"`
	Errors         uint64            `json:"errors"`
	ErrorsByStatus map[string]uint64 `json:"errors_by_status,omitempty"`
	FirstError     string            `json:"first_error,omitempty"`
	ReqPerSec      float64           `json:"req_per_s"`
	ScansPerSec    float64           `json:"scans_per_s,omitempty"`
	Denied         uint64            `json:"denied,omitempty"`
	Duplicates     uint64            `json:"duplicates,omitempty"`
	Flagged        uint64            `json:"flagged,omitempty"`
	Latency        latencyMS         `json:"latency_ms"`
}

type latencyMS struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// measure runs mode for the warm-up and the duration.
func measure(ctx context.Context, cfg *loadConfig, mode string, fx *loadFixture, stderr io.Writer) (*modeResult, error) {
	conns := cfg.Concurrency
	if mode == "batch" {
		conns = cfg.BatchConcurrency
	}
	if mode == "scans" && fx.codesValidFor(time.Now()) < cfg.Warmup+cfg.Duration+time.Minute {
		if err := fx.refreshCodes(ctx, cfg.host); err != nil {
			return nil, fmt.Errorf("refreshing codes: %w", err)
		}
	}
	wl, err := newWorkload(cfg, mode, fx)
	if err != nil {
		return nil, err
	}
	workers := make([]*loadWorker, conns)
	for k := range workers {
		workers[k] = &loadWorker{conn: newRawConn(cfg.addr, cfg.Timeout)}
		if mode == "batch" {
			workers[k].batch = newBatchTemplate(cfg.host, fx.deviceToken, cfg.BatchSize, fx.citizens)
		}
	}
	var stop atomic.Bool
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-runCtx.Done()
		stop.Store(true)
	}()
	if mode == "scans" {
		go fx.keepCodesFresh(runCtx, cfg.host, stderr)
	}

	start := time.Now()
	warmEnd := start.Add(cfg.Warmup)
	end := warmEnd.Add(cfg.Duration)
	var wg sync.WaitGroup
	for k, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(&wl, k, warmEnd, end, &stop)
		}()
	}
	wg.Wait()
	for _, w := range workers {
		w.conn.Close()
	}
	window := cfg.Duration
	if ctx.Err() != nil {
		window = max(time.Since(warmEnd), time.Millisecond)
	}
	return summarise(mode, workers, window), nil
}

// keepCodesFresh refreshes the codes of the scans mode while a run lasts
// longer than half their life.
func (fx *loadFixture) keepCodesFresh(ctx context.Context, host string, stderr io.Writer) {
	for {
		wait := max(fx.codesValidFor(time.Now())/2, 5*time.Second)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if err := fx.refreshCodes(ctx, host); err != nil && ctx.Err() == nil {
			fmt.Fprintln(stderr, "loadtest: refreshing codes:", err)
		}
	}
}

// loop makes requests until end. It allocates nothing per request.
func (w *loadWorker) loop(wl *workload, k int, warmEnd, end time.Time, stop *atomic.Bool) {
	for i := uint64(0); !stop.Load(); i++ {
		t0 := time.Now()
		if !t0.Before(end) {
			return
		}
		status, body, err := w.conn.Do(wl.next(w, k, i), wl.keepBody)
		t1 := time.Now()
		counted := !t1.Before(warmEnd) && !t1.After(end)
		if err != nil {
			if counted {
				w.requests++
				w.transport++
				if w.firstErr == "" {
					w.firstErr = err.Error()
				}
			}
			if w.conn.c == nil && t1.Sub(t0) < time.Millisecond {
				time.Sleep(10 * time.Millisecond) // refused: do not spin
			}
			continue
		}
		if !counted {
			continue
		}
		w.requests++
		w.hist.record(t1.Sub(t0))
		switch {
		case status >= 200 && status < 300:
			if wl.ok != nil {
				wl.ok(w, body)
			}
		case status < len(w.byStatus):
			w.byStatus[status]++
			if w.firstErr == "" && wl.keepBody {
				w.firstErr = fmt.Sprintf("%d %.200s", status, body)
			}
		default:
			w.byStatus[599]++
		}
	}
}

func summarise(mode string, workers []*loadWorker, window time.Duration) *modeResult {
	r := &modeResult{Mode: mode, Connections: len(workers), Seconds: window.Seconds()}
	var h histogram
	var byStatus [600]uint64
	var transport, scans uint64
	for _, w := range workers {
		h.merge(&w.hist)
		r.Requests += w.requests
		for s, n := range w.byStatus {
			byStatus[s] += n
		}
		transport += w.transport
		scans += w.scans
		r.Denied += w.denied
		r.Duplicates += w.dups
		r.Flagged += w.flagged
		if r.FirstError == "" {
			r.FirstError = w.firstErr
		}
	}
	for s, n := range byStatus {
		if n > 0 {
			if r.ErrorsByStatus == nil {
				r.ErrorsByStatus = map[string]uint64{}
			}
			r.ErrorsByStatus[strconv.Itoa(s)] = n
			r.Errors += n
		}
	}
	if transport > 0 {
		if r.ErrorsByStatus == nil {
			r.ErrorsByStatus = map[string]uint64{}
		}
		r.ErrorsByStatus["transport"] = transport
		r.Errors += transport
	}
	r.ReqPerSec = float64(r.Requests) / window.Seconds()
	if mode == "batch" {
		r.ScansPerSec = float64(scans) / window.Seconds()
	}
	r.Latency = latencyMS{P50: ms(h.percentile(0.50)), P90: ms(h.percentile(0.90)),
		P99: ms(h.percentile(0.99)), Max: ms(h.max), Mean: ms(h.mean())}
	return r
}

// loadReport is what the tool prints.
type loadReport struct {
	URL      string        `json:"url"`
	Node     string        `json:"node"`
	Citizens int           `json:"citizens,omitempty"`
	Venue    string        `json:"venue,omitempty"`
	Duration float64       `json:"duration_s"`
	Warmup   float64       `json:"warmup_s"`
	Results  []*modeResult `json:"results"`
}

func (rep *loadReport) writeJSON(w io.Writer) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(rep)
}

func (rep *loadReport) writeTable(w io.Writer) {
	fmt.Fprintf(w, "healthcode loadtest: %s (%s)", rep.URL, rep.Node)
	if rep.Citizens > 0 {
		fmt.Fprintf(w, ", %d citizens", rep.Citizens)
	}
	if rep.Venue != "" {
		fmt.Fprintf(w, ", venue %s", rep.Venue)
	}
	fmt.Fprintf(w, "; %gs a mode after %gs warm-up\n\n", rep.Duration, rep.Warmup)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tconns\trequests\terrors\treq/s\tscans/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\t")
	for _, r := range rep.Results {
		name := r.Mode
		if r.BaselineFor != "" {
			name = "healthz (before " + r.BaselineFor + ")"
		}
		scans := "-"
		if r.Mode == "batch" {
			scans = fmt.Sprintf("%.0f", r.ScansPerSec)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t\n", name, r.Connections,
			r.Requests, r.Errors, r.ReqPerSec, scans, r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max)
	}
	tw.Flush()
	for _, r := range rep.Results {
		var notes []string
		if r.Errors > 0 {
			keys := make([]string, 0, len(r.ErrorsByStatus))
			for k := range r.ErrorsByStatus {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var parts []string
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s×%d", k, r.ErrorsByStatus[k]))
			}
			notes = append(notes, "errors "+strings.Join(parts, ", ")+"; first: "+r.FirstError)
		}
		if r.Denied > 0 {
			notes = append(notes, fmt.Sprintf("%d scans answered deny", r.Denied))
		}
		if r.Duplicates > 0 || r.Flagged > 0 {
			notes = append(notes, fmt.Sprintf("%d duplicate and %d flagged scans", r.Duplicates, r.Flagged))
		}
		if len(notes) > 0 {
			fmt.Fprintf(w, "%s: %s\n", r.Mode, strings.Join(notes, "; "))
		}
	}
}

// dialAddr dials addr whatever address net/http asks for.
func dialAddr(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
}
