package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/storetest"
)

// helperArgsEnv carries the arguments of a healthcode command that the test
// binary runs as a process of its own (see helperCommand).
const helperArgsEnv = "HEALTHCODE_TEST_HELPER_ARGS"

// TestHelperHealthcode is not a test: run by helperCommand in a child
// process, it is the healthcode command, so that tests can SIGKILL a node.
func TestHelperHealthcode(t *testing.T) {
	raw := os.Getenv(helperArgsEnv)
	if raw == "" {
		t.Skip("the healthcode command in a child process of other tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// helperCommand is `healthcode ARGS…` as a process: this test binary
// running TestHelperHealthcode.
func helperCommand(args ...string) *exec.Cmd {
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHealthcode$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperArgsEnv+"="+string(raw))
	return cmd
}

// nodeProcess is `healthcode serve --dev` in a child process.
type nodeProcess struct {
	cmd    *exec.Cmd
	log    *lockedWriter
	exited chan struct{}
	err    error
}

func startNodeProcess(t *testing.T, addr string, store []string) *nodeProcess {
	t.Helper()
	return startProcess(t, "http://"+addr+"/healthz", append([]string{"serve", "--dev", "--addr", addr, "--log-level", "warn"}, store...)...)
}

func (p *nodeProcess) logText() string {
	p.log.mu.Lock()
	defer p.log.mu.Unlock()
	return p.log.w.(*bytes.Buffer).String()
}

// TestScanLogSurvivesKill: every scan the node answered 2xx is in the log
// after the node is killed with SIGKILL in the middle of concurrent scans
// and started again, exactly once; an offline batch sent again afterwards
// only counts duplicates; and the log holds no more scans than were sent.
// On the backend HEALTHCODE_TEST_DB names.
func TestScanLogSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a node process")
	}
	testStart := time.Now()
	dir := t.TempDir()
	addr := freeAddr(t)
	store := []string{"--data", filepath.Join(dir, "data")}
	if dsn := storetest.MustDSN(t); dsn != "" {
		store = append(store, "--db", dsn)
	}
	proc := startNodeProcess(t, addr, store)
	killed := false
	defer func() {
		if t.Failed() {
			t.Logf("serve log:\n%s", proc.logText())
		}
		if !killed {
			proc.cmd.Process.Kill()
		}
	}()
	n := &servedNode{base: "http://" + addr, api: "http://" + addr + "/api/v1", store: store}
	admin := n.token(t, "--role", "admin")
	health := n.token(t, "--role", "health")

	const citizens = 4
	var codes []string
	var region string
	var subjects [][]byte
	for i := 0; i < citizens; i++ {
		tok := n.signIn(t, loadPhone(900+i))
		call(t, "PUT", n.api+"/me/profile", tok, fmt.Sprintf(`{"name":"崩溃%d","id_type":"resident_id","id_number":%q}`, i, loadResidentID(900+i)), 200, nil)
		call(t, "POST", n.api+"/me/declarations", tok, `{"case_contact":"no"}`, 201, nil)
		var code struct{ Code string }
		call(t, "GET", n.api+"/me/code", tok, "", 200, &code)
		p, err := hcode.ParseHealth(code.Code)
		if err != nil {
			t.Fatal(err)
		}
		codes, region, subjects = append(codes, code.Code), p.Health.Issuer, append(subjects, p.Health.Subject)
	}
	var venue struct{ ID string }
	call(t, "POST", n.api+"/venues", admin, `{"name":"crash test hall","kind":"other","division":"330102","address":"1 Test Road","capacity":0}`, 201, &venue)
	var device struct{ Token string }
	call(t, "POST", n.api+"/venues/"+venue.ID+"/devices", admin, `{"name":"east gate"}`, 201, &device)

	// Concurrent online scans, every acknowledged scan_id kept.
	host := strings.TrimPrefix(n.base, "http://")
	var reqs [][]byte
	for _, c := range codes {
		for _, dir := range []string{"in", "out"} {
			reqs = append(reqs, buildRequest("POST", host, "/api/v1/scans", device.Token, []byte(`{"code":"`+c+`","direction":"`+dir+`"}`)))
		}
	}
	const workers = 8
	var sent, ackCount, transportErrs, otherStatus atomic.Int64
	var stop atomic.Bool
	acked := make([][]int64, workers)
	var wg sync.WaitGroup
	loadStart := time.Now()
	for k := 0; k < workers; k++ {
		wg.Go(func() {
			c := newRawConn(host, 5*time.Second)
			defer c.Close()
			for i := k; !stop.Load(); i++ {
				sent.Add(1)
				status, body, err := c.Do(reqs[i%len(reqs)], true)
				switch {
				case err != nil:
					transportErrs.Add(1)
					time.Sleep(5 * time.Millisecond)
				case status == 200:
					var res struct {
						ScanID  int64  `json:"scan_id"`
						Verdict string `json:"verdict"`
					}
					if err := json.Unmarshal(body, &res); err != nil || res.ScanID == 0 {
						t.Errorf("scan answered 200 %s (%v)", body, err)
						return
					}
					acked[k] = append(acked[k], res.ScanID)
					ackCount.Add(1)
				default:
					otherStatus.Add(1)
				}
			}
		})
	}

	// One offline batch while the online scans run, acknowledged before
	// the kill.
	time.Sleep(400 * time.Millisecond)
	const batchSize = 300
	batch := offlineBatch(batchSize, region, subjects, time.Now().Add(-time.Minute))
	var br struct{ Accepted, Duplicate, Flagged int }
	call(t, "POST", n.api+"/scans/batch", device.Token, batch, 200, &br)
	if br.Accepted != batchSize || br.Duplicate != 0 {
		t.Fatalf("first upload: %+v, want %d accepted", br, batchSize)
	}

	// Kill after 1.5 s or more of load with a few hundred scans
	// acknowledged (a busy machine may need longer), at most 6 s in.
	for time.Since(loadStart) < 1500*time.Millisecond || ackCount.Load() < 300 && time.Since(loadStart) < 6*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	if err := proc.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	<-proc.exited
	killed = true
	stop.Store(true)
	wg.Wait()
	if t.Failed() {
		return
	}
	var ackedAll []int64
	for _, a := range acked {
		ackedAll = append(ackedAll, a...)
	}
	t.Logf("%s: %d online scans sent, %d answered 200, %d transport errors, %d other answers; killed after %.1f s of load",
		storetest.Backend(), sent.Load(), len(ackedAll), transportErrs.Load(), otherStatus.Load(), killedAt.Sub(loadStart).Seconds())
	if len(ackedAll) < 50 {
		t.Fatalf("only %d scans acknowledged before the kill: no load to speak of", len(ackedAll))
	}

	// The same node again, on the same store.
	firstLog := proc.logText()
	proc = startNodeProcess(t, addr, store)
	defer func() {
		proc.cmd.Process.Signal(os.Interrupt)
		select {
		case <-proc.exited:
			if proc.err != nil {
				t.Errorf("serve after the restart: %v", proc.err)
			}
		case <-time.After(15 * time.Second):
			proc.cmd.Process.Kill()
			t.Errorf("serve did not shut down")
		}
		if t.Failed() {
			t.Logf("serve log before the kill:\n%s", firstLog)
		}
	}()

	before := listVenueScans(t, n, health, venue.ID, testStart)
	br = struct{ Accepted, Duplicate, Flagged int }{}
	call(t, "POST", n.api+"/scans/batch", device.Token, batch, 200, &br)
	if br.Accepted != 0 || br.Duplicate != batchSize {
		t.Errorf("batch sent again after the restart: %+v, want %d duplicates and none accepted", br, batchSize)
	}
	after := listVenueScans(t, n, health, venue.ID, testStart)
	if len(after) != len(before) {
		t.Errorf("the batch sent again added rows: %d before, %d after", len(before), len(after))
	}

	count := map[int64]int{}
	online, offline := 0, 0
	seqs := map[int64]int{}
	for _, sc := range after {
		count[sc.ID]++
		switch sc.Source {
		case "online":
			online++
		case "offline":
			offline++
			seqs[sc.Seq]++
		}
	}
	for id, c := range count {
		if c != 1 {
			t.Errorf("scan id %d listed %d times", id, c)
		}
	}
	missing := 0
	for _, id := range ackedAll {
		if count[id] != 1 {
			missing++
			if missing <= 10 {
				t.Errorf("scan %d was answered 200 but is not in the log after the kill", id)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged scans lost", missing, len(ackedAll))
	}
	if offline != batchSize || len(seqs) != batchSize {
		t.Errorf("%d offline rows with %d distinct seqs, want %d", offline, len(seqs), batchSize)
	}
	if int64(online) > sent.Load() || len(after) > int(sent.Load())+batchSize {
		t.Errorf("%d rows (%d online) for %d online scans sent and %d offline", len(after), online, sent.Load(), batchSize)
	}
	if online < len(ackedAll) {
		t.Errorf("%d online rows, fewer than the %d acknowledged", online, len(ackedAll))
	}
	t.Logf("after the restart: %d rows (%d online: %d acknowledged, %d stored but unanswered; %d offline)",
		len(after), online, len(ackedAll), online-len(ackedAll), offline)
}

// offlineBatch is a POST /api/v1/scans/batch body of n decoded scans with
// seq 1…n, dated at.
func offlineBatch(n int, region string, subjects [][]byte, at time.Time) string {
	var b strings.Builder
	b.WriteString(`{"scans":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		dir := "in"
		if i%2 == 1 {
			dir = "out"
		}
		fmt.Fprintf(&b, `{"seq":%d,"scanned_at":%q,"direction":%q,"region":%q,"subject":%q,"colour":"green","verdict":"pass","reasons":[]}`,
			i+1, at.UTC().Format(time.RFC3339), dir, region, base64.StdEncoding.EncodeToString(subjects[i%len(subjects)]))
	}
	b.WriteString(`]}`)
	return b.String()
}

type loggedScan struct {
	ID     int64  `json:"id"`
	Source string `json:"source"`
	Seq    int64  `json:"seq"`
}

// listVenueScans lists the venue's scans since from as health staff.
func listVenueScans(t *testing.T, n *servedNode, health, venueID string, from time.Time) []loggedScan {
	t.Helper()
	const limit = 100000
	q := url.Values{"from": {from.Add(-time.Hour).UTC().Format(time.RFC3339)},
		"to": {time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, "limit": {fmt.Sprint(limit)}}
	req := n.api + "/venues/" + venueID + "/scans?" + q.Encode()
	raw := getWithPurpose(t, req, health, "crash test: the scan log after a kill")
	var list struct{ Scans []loggedScan }
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("scans list: %v", err)
	}
	if len(list.Scans) >= limit {
		t.Fatalf("%d scans listed: the limit, the list may be cut", len(list.Scans))
	}
	return list.Scans
}

// getWithPurpose GETs url as staff stating purpose and returns the 200 body.
func getWithPurpose(t *testing.T, url, token, purpose string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Purpose", purpose)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}
