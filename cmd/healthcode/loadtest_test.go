package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/storetest"
)

func TestLoopbackTarget(t *testing.T) {
	for _, tc := range []struct {
		url, addr, host, err string
	}{
		{"http://127.0.0.1:8080", "127.0.0.1:8080", "127.0.0.1:8080", ""},
		{"http://127.0.0.1:8080/", "127.0.0.1:8080", "127.0.0.1:8080", ""},
		{"http://localhost:9000", "localhost:9000", "localhost:9000", ""},
		{"http://[::1]:8080", "[::1]:8080", "[::1]:8080", ""},
		{"http://127.0.0.1", "127.0.0.1:80", "127.0.0.1", ""},
		{"http://example.com:8080", "", "", "only targets this machine"},
		{"http://10.0.0.5:8080", "", "", "only targets this machine"},
		{"http://127.0.0.2:8080", "", "", "only targets this machine"},
		{"http://localhost.example.com:8080", "", "", "only targets this machine"},
		{"http://0.0.0.0:8080", "", "", "only targets this machine"},
		{"http://[::ffff:10.0.0.1]:8080", "", "", "only targets this machine"},
		{"http://127.0.0.1@example.com:8080", "", "", "base URL only"},
		{"https://127.0.0.1:8443", "", "", "must be http://"},
		{"127.0.0.1:8080", "", "", "must be http://"},
		{"http://127.0.0.1:8080/api/v1", "", "", "base URL only"},
		{"http://127.0.0.1:0", "", "", "bad port"},
		{"http://127.0.0.1:99999", "", "", "bad port"},
	} {
		addr, host, err := loopbackTarget(tc.url)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil || addr != tc.addr || host != tc.host {
			t.Errorf("%s = %q %q %v, want %q %q", tc.url, addr, host, err, tc.addr, tc.host)
		}
	}
}

func TestLoadtestFlags(t *testing.T) {
	t.Setenv("HEALTHCODE_DB", "")
	for _, tc := range []struct {
		args []string
		env  map[string]string
		err  string
		want func(c *loadConfig) bool
	}{
		{args: []string{"--spawn"}, want: func(c *loadConfig) bool {
			return c.Spawn && c.Mode == "all" && c.Citizens == 10 && c.Concurrency == 128 && c.BatchSize == 5000 &&
				c.Duration == 10*time.Second && c.Warmup == time.Second && slices.Equal(c.modes(), []string{"scans", "codes", "batch"})
		}},
		{args: []string{"--token", "t", "--mode", "scans", "--concurrency", "8", "--duration", "3s"}, want: func(c *loadConfig) bool {
			return c.addr == "127.0.0.1:8080" && c.Token == "t" && c.Concurrency == 8 && c.Duration == 3*time.Second &&
				slices.Equal(c.modes(), []string{"scans"})
		}},
		{args: []string{"--mode", "healthz", "--url", "http://localhost:7000"}, want: func(c *loadConfig) bool {
			return c.addr == "localhost:7000" && slices.Equal(c.modes(), []string{"healthz"})
		}},
		{args: []string{"--spawn", "--db", "postgres://root@127.0.0.1:5432/test"}, want: func(c *loadConfig) bool {
			return c.DB == "postgres://root@127.0.0.1:5432/test"
		}},
		{args: []string{"--token", "t"}, env: map[string]string{"HEALTHCODE_LOADTEST_CONCURRENCY": "16",
			"HEALTHCODE_LOADTEST_MODE": "batch", "HEALTHCODE_LOADTEST_JSON": "true", "HEALTHCODE_LOADTEST_BATCH_SIZE": "100"},
			want: func(c *loadConfig) bool {
				return c.Concurrency == 16 && c.Mode == "batch" && c.JSON && c.BatchSize == 100
			}},
		{args: []string{"--token", "t", "--concurrency", "2"}, env: map[string]string{"HEALTHCODE_LOADTEST_CONCURRENCY": "16"},
			want: func(c *loadConfig) bool { return c.Concurrency == 2 }},
		// A node's own HEALTHCODE_DB in the environment is no error without --spawn.
		{args: []string{"--token", "t"}, env: map[string]string{"HEALTHCODE_DB": "postgres://x/y"},
			want: func(c *loadConfig) bool { return !c.Spawn }},

		{args: []string{"--url", "http://192.168.1.10:8080", "--token", "t"}, err: "only targets this machine"},
		{args: []string{"--mode", "scans"}, err: "--token"},
		{args: []string{"--spawn", "--url", "http://127.0.0.1:1"}, err: "drop --url"},
		{args: []string{"--spawn", "--token", "t"}, err: "drop --url"},
		{args: []string{"--token", "t", "--db", "postgres://x/y"}, err: "--db is for --spawn"},
		{args: []string{"--spawn", "--db", "mysql://x"}, err: "postgres://"},
		{args: []string{"--spawn", "--mode", "everything"}, err: "--mode"},
		{args: []string{"--spawn", "--concurrency", "0"}, err: "--concurrency"},
		{args: []string{"--spawn", "--citizens", "0"}, err: "--citizens"},
		{args: []string{"--spawn", "--batch-size", "0"}, err: "--batch-size"},
		{args: []string{"--spawn", "--duration", "0s"}, err: "--duration"},
		{args: []string{"--spawn", "--warmup", "-1s"}, err: "--warmup"},
		{args: []string{"--spawn", "extra"}, err: "unexpected argument"},
		{args: []string{"--spawn", "--concurrency", "many"}, err: "invalid value"},
	} {
		for k, v := range tc.env {
			t.Setenv(k, v)
		}
		c, err := parseLoadtestFlags(tc.args, io.Discard)
		for k := range tc.env {
			os.Unsetenv(k) // t.Setenv restores it at the end
		}
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: err %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || !tc.want(c) {
			t.Errorf("%v: %+v, %v", tc.args, c, err)
		}
	}
}

// TestLoadtestRefusesRemoteHost: the command itself exits 2 with the reason.
func TestLoadtestRefusesRemoteHost(t *testing.T) {
	out, errOut, exit := runCmd("loadtest", "--url", "http://203.0.113.7:8080", "--token", "t")
	if exit != 2 || out != "" || !strings.Contains(errOut, "only targets this machine") {
		t.Fatalf("exit %d, stdout %q, stderr %q", exit, out, errOut)
	}
}

func TestHistogramPercentiles(t *testing.T) {
	uniform := func(n int, unit time.Duration) []time.Duration {
		var v []time.Duration
		for i := 1; i <= n; i++ {
			v = append(v, time.Duration(i)*unit)
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		values []time.Duration
		q      []float64
		want   []time.Duration
	}{
		{"empty", nil, []float64{0.5, 0.99}, []time.Duration{0, 0}},
		{"one value", []time.Duration{3 * time.Millisecond}, []float64{0, 0.5, 1}, []time.Duration{3 * time.Millisecond, 3 * time.Millisecond, 3 * time.Millisecond}},
		{"small exact", []time.Duration{10, 20, 30, 40}, []float64{0.25, 0.5, 0.75, 1}, []time.Duration{10, 20, 30, 40}},
		{"1..1000 ms", uniform(1000, time.Millisecond), []float64{0.5, 0.9, 0.99, 0.999, 1},
			[]time.Duration{500 * time.Millisecond, 900 * time.Millisecond, 990 * time.Millisecond, 999 * time.Millisecond, time.Second}},
		{"1..10000 µs", uniform(10000, time.Microsecond), []float64{0.5, 0.99},
			[]time.Duration{5 * time.Millisecond, 9900 * time.Microsecond}},
		{"a slow tail", append(slices.Repeat([]time.Duration{time.Millisecond}, 98), 50*time.Millisecond, time.Second),
			[]float64{0.5, 0.98, 0.99, 1}, []time.Duration{time.Millisecond, time.Millisecond, 50 * time.Millisecond, time.Second}},
	} {
		// Recorded by three workers in shuffled order, merged.
		var parts [3]histogram
		vals := slices.Clone(tc.values)
		rand.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
		for i, v := range vals {
			parts[i%3].record(v)
		}
		var h histogram
		for i := range parts {
			h.merge(&parts[i])
		}
		if h.n != uint64(len(tc.values)) {
			t.Errorf("%s: n = %d", tc.name, h.n)
		}
		for i, q := range tc.q {
			got, want := h.percentile(q), tc.want[i]
			// Never below the true value, at most one bucket (1/64) above.
			if got < want || float64(got) > float64(want)*(1+1.0/64) {
				t.Errorf("%s: p%g = %v, want %v (+1.6%%)", tc.name, q*100, got, want)
			}
		}
		if len(tc.values) > 0 && (h.max != slices.Max(tc.values) || h.min != slices.Min(tc.values)) {
			t.Errorf("%s: min %v max %v", tc.name, h.min, h.max)
		}
	}
}

// TestHistogramBuckets: buckets are contiguous, each value is in its own
// bucket, and no bucket is wider than 1/64 of its values.
func TestHistogramBuckets(t *testing.T) {
	for i := 1; i < histBuckets; i++ {
		lo := histUpper(i-1) + 1
		if histIndex(lo) != i || histIndex(histUpper(i)) != i {
			t.Fatalf("bucket %d: [%d, %d] indexes %d, %d", i, lo, histUpper(i), histIndex(lo), histIndex(histUpper(i)))
		}
		if lo >= 128 && float64(histUpper(i)-lo+1) > float64(lo)/64 {
			t.Fatalf("bucket %d [%d, %d] wider than 1/64", i, lo, histUpper(i))
		}
	}
	if histIndex(1<<62) != histBuckets-1 {
		t.Fatalf("huge value in bucket %d", histIndex(1<<62))
	}
}

func TestBatchTemplate(t *testing.T) {
	cs := []*loadCitizen{
		{region: "CN-330100", subject: bytes.Repeat([]byte{1}, 16)},
		{region: "CN-330100", subject: bytes.Repeat([]byte{2}, 16)},
	}
	b := newBatchTemplate("127.0.0.1:1", "tok", 5, cs)
	at := time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)
	for _, first := range []int64{1, 99999999995, 6} {
		req := b.fill(first, at)
		head, body, ok := bytes.Cut(req, []byte("\r\n\r\n"))
		if !ok || !bytes.Contains(head, []byte("POST /api/v1/scans/batch HTTP/1.1")) || !bytes.Contains(head, []byte("Authorization: Bearer tok")) {
			t.Fatalf("head %q", head)
		}
		var got struct {
			Scans []struct {
				Seq       int64     `json:"seq"`
				ScannedAt time.Time `json:"scanned_at"`
				Direction string
				Region    string
				Subject   []byte
				Colour    string
				Verdict   string
				Reasons   []string
			}
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("first %d: %v in %s", first, err, body)
		}
		if len(got.Scans) != 5 {
			t.Fatalf("%d scans", len(got.Scans))
		}
		for i, s := range got.Scans {
			if s.Seq != first+int64(i) || !s.ScannedAt.Equal(at) || s.Region != "CN-330100" || s.Subject[0] != byte(i%2+1) ||
				s.Colour != "green" || s.Verdict != "pass" || s.Reasons == nil || (s.Direction != "in" && s.Direction != "out") {
				t.Fatalf("scan %d = %+v", i, s)
			}
		}
		at = at.Add(90 * time.Second)
	}
}

func TestJSONInt(t *testing.T) {
	body := []byte(`{"accepted":5000,"duplicate": 3,"flagged":0}`)
	for key, want := range map[string]int64{`"accepted":`: 5000, `"duplicate":`: 3, `"flagged":`: 0, `"other":`: 0} {
		if got := jsonInt(body, key); got != want {
			t.Errorf("%s = %d, want %d", key, got, want)
		}
	}
}

func TestLoadCitizenData(t *testing.T) {
	seen := map[string]bool{}
	for _, i := range []int{0, 1, 9, 999, 1000, 9999} {
		id := loadResidentID(i)
		if _, err := idnum.ValidateResidentID(id, time.Now()); err != nil || seen[id] {
			t.Errorf("citizen %d: %s: %v (seen %v)", i, id, err, seen[id])
		}
		seen[id] = true
		if p, ok := idnum.ValidPhone(loadPhone(i)); !ok || p != loadPhone(i) {
			t.Errorf("citizen %d: phone %s", i, loadPhone(i))
		}
	}
	if loadPhone(3) != "13900000003" {
		t.Errorf("phone 3 = %s", loadPhone(3))
	}
}

// TestLoadtestSpawn runs the whole tool the way the benchmark figures are
// made, briefly: --spawn starts a node (here the test binary as the
// healthcode command), every mode runs after its healthz baseline without
// an error, and the node and its directory are gone afterwards. On the
// backend HEALTHCODE_TEST_DB names.
func TestLoadtestSpawn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node process")
	}
	orig := healthcodeCommand
	healthcodeCommand = func(args ...string) (*exec.Cmd, error) { return helperCommand(args...), nil }
	defer func() { healthcodeCommand = orig }()
	args := []string{"loadtest", "--spawn", "--json", "--duration", "300ms", "--warmup", "100ms", "--concurrency", "4",
		"--citizens", "2", "--batch-size", "100", "--batch-concurrency", "2"}
	if dsn := storetest.MustDSN(t); dsn != "" {
		args = append(args, "--db", dsn)
	}
	out, errOut, exit := runCmd(args...)
	if exit != 0 {
		t.Fatalf("exit %d\n%s\n%s", exit, out, errOut)
	}
	var rep loadReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	var modes []string
	for _, r := range rep.Results {
		modes = append(modes, r.Mode+"/"+r.BaselineFor)
		if r.Requests == 0 || r.Errors != 0 || r.Denied != 0 || r.Duplicates != 0 || r.ReqPerSec <= 0 || r.Latency.P99 <= 0 || r.Latency.P50 > r.Latency.P99 {
			t.Errorf("%s: %+v", r.Mode, r)
		}
		if r.Mode == "batch" && (r.ScansPerSec <= 0 || r.Connections != 2) {
			t.Errorf("batch: %+v", r)
		}
	}
	if want := []string{"healthz/scans", "scans/", "healthz/codes", "codes/", "healthz/batch", "batch/"}; !slices.Equal(modes, want) {
		t.Errorf("modes %v, want %v", modes, want)
	}
	if rep.Citizens != 2 || rep.Venue == "" {
		t.Errorf("report %+v", rep)
	}
	m := regexp.MustCompile(`in (\S+) \(pid`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("no spawned directory in %q", errOut)
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("spawned directory %s left behind (%v)", m[1], err)
	}
}

// TestWorkloadAllocs: making a request, sending it, reading the answer and
// counting it allocates nothing, in every mode.
func TestWorkloadAllocs(t *testing.T) {
	cfg := &loadConfig{host: "127.0.0.1:1", BatchSize: 50}
	fx := &loadFixture{deviceToken: "dev"}
	for i := 0; i < 3; i++ {
		fx.citizens = append(fx.citizens, &loadCitizen{token: "t", code: "CNHC1:X", region: "CN-330100", subject: make([]byte, 16)})
	}
	fx.buildScanReqs(cfg.host)
	for mode, body := range map[string]string{
		"healthz": `{"status":"ok"}`,
		"codes":   `{"code":"CNHC1:X","colour":"green"}`,
		"scans":   `{"scan_id":12,"verdict":"pass","colour":"green","reasons":[]}`,
		"batch":   `{"accepted":50,"duplicate":0,"flagged":0,"rejected":[]}`,
	} {
		wl, err := newWorkload(cfg, mode, fx)
		if err != nil {
			t.Fatal(err)
		}
		resp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		fc := &fakeConn{resp: []byte(resp), repeat: true}
		w := &loadWorker{conn: &rawConn{addr: "x", timeout: time.Second, dial: func(string, time.Duration) (net.Conn, error) { return fc, nil }}}
		w.batch = newBatchTemplate(cfg.host, fx.deviceToken, cfg.BatchSize, fx.citizens)
		i := uint64(0)
		one := func() {
			t0 := time.Now()
			status, body, err := w.conn.Do(wl.next(w, 1, i), wl.keepBody)
			if err != nil || status != 200 {
				t.Fatalf("%s: %d %v", mode, status, err)
			}
			if wl.ok != nil {
				wl.ok(w, body)
			}
			w.hist.record(time.Since(t0))
			i++
		}
		one()
		if allocs := testing.AllocsPerRun(200, one); allocs != 0 {
			t.Errorf("%s: %.1f allocations a request", mode, allocs)
		}
		// one(), then AllocsPerRun's warm-up run and 200 runs
		if mode == "batch" && w.scans != 202*50 {
			t.Errorf("batch: %d scans counted", w.scans)
		}
	}
}
