package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode/failpoint"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/sqlite"
	"github.com/healthcode/healthcode/storetest"
)

// TestFederationReliability is issue 6's reliability test of way 1 over
// real processes: "with the hub stopped mid-exchange and restarted, and a
// node stopped and restarted, every record is applied exactly once".
//
// Region B (the backend under test) is given thousands of tests of people
// of region A (SQLite), in imports naming A as their home region, so B's
// outbox sends them through the hub in batches, and the processes are
// killed (SIGKILL) along the way and started again on the same data and
// ports:
//
//   - the hub, once it stored a batch for A that A has not acked; B queues
//     more while it is down;
//   - the hub again, at a random moment of the next exchange;
//   - A inside the transaction that imports a batch (its store's write
//     lock held, the batch not acked);
//   - A between that import's commit and the record of the batch: A runs
//     with the failpoint node.CrashAfterBatchImport, which kills it
//     (SIGKILL) right there; the batch comes again and every record of it
//     must be found a duplicate;
//   - A while down, B's next batch waiting at the hub.
//
// A is watched through its SQLite store, read-only but for a probe that
// takes the write lock without waiting (BEGIN IMMEDIATE, rolled back).
//
// At the end A's store holds every record B was given exactly once, on
// the person and with the result B was given, and nothing else from B;
// each batch is recorded once, its records accepted or found duplicates;
// the citizen of A whose positive test travelled in each phase is red,
// the one with negative tests only green; the hub holds nothing unacked
// for A and B's outbox is empty.
func TestFederationReliability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts, kills and restarts a hub and two nodes")
	}
	start := time.Now()
	f := startRelFederation(t)
	bHealth := lastLine(t, runCommand(t, append([]string{"token", "create", "--role", "health", "--name", "cdc"}, f.b.store...)...))
	f.bAdmin = lastLine(t, runCommand(t, append([]string{"token", "create", "--role", "admin", "--name", "ops"}, f.b.store...)...))

	// A's citizens: one for each phase, whose positive test travels in
	// it, and one whose tests are all negative.
	const (
		hubUp = iota
		hubKilled
		hubDown
		hubKilledAtRandom
		aKilledImporting
		aKilledBeforeRecord
		aDown
		phases
	)
	citizens := make([]relCitizen, phases+1)
	for i := range citizens {
		c := &citizens[i]
		c.idNumber = loadResidentID(900000 + i)
		c.session = f.a.citizen(t, fmt.Sprintf("1370000%04d", i), c.idNumber)
	}
	waitFor(t, "B's trust list naming A's key", func() bool { return f.b.kidOf(t, f.a.region) != "" })
	waitFor(t, "A's trust list naming B's key", func() bool { return f.a.kidOf(t, f.b.region) != "" })

	g := &relRecords{}
	importAtB := func(phase, n int) {
		t.Helper()
		csv := g.chunk(n, citizens[phase].idNumber, citizens[phases].idNumber, f.a.region)
		status, out := request(t, "POST", f.b.api+"/records/tests", bHealth, "text/csv", csv)
		if status != http.StatusOK || out["forwarded"] != float64(n) {
			t.Fatalf("B's import of %d tests: %d %v", n, status, out)
		}
	}
	bSent := func(result string) float64 {
		return relMetric(t, f.b.base+"/metrics", f.bAdmin, "healthcode_hub_batches_total", `direction="sent"`, `result="`+result+`"`)
	}

	// The hub up: three imports, each sent and applied as a batch of its own.
	for range 3 {
		importAtB(hubUp, 300)
		f.waitAllAtA(t, g, "with the hub up")
	}

	// The hub killed once it stored B's batch, before A acked it.
	importAtB(hubKilled, 1500)
	relWait(t, 15*time.Second, "the hub listing B's batch for A", func() bool { return len(f.hubBatchesForA(t, 1)) > 0 })
	f.killHub(t)
	t.Logf("hub killed holding a batch for A, %d of %d records at A", f.a.countFrom(t, f.b.region), len(g.all))

	// The hub down: B queues more and fails to send it; then the hub
	// starts again on its data and port.
	unreachable := bSent("unreachable")
	importAtB(hubDown, 300)
	importAtB(hubDown, 300)
	relWait(t, 15*time.Second, "B failing to reach the hub", func() bool { return bSent("unreachable") > unreachable })
	f.startHub(t)
	f.waitAllAtA(t, g, "after the hub's restart")

	// The hub killed at a random moment of the next exchange (B packing
	// or posting, the hub storing, A fetching or applying) and started
	// again at once.
	duplicates := bSent("duplicate")
	importAtB(hubKilledAtRandom, 1000)
	time.Sleep(rand.N(300 * time.Millisecond))
	f.killHub(t)
	atKill := f.a.countFrom(t, f.b.region)
	f.startHub(t)
	f.waitAllAtA(t, g, "after the hub's second restart")
	t.Logf("hub killed at random with %d of %d records at A; batches B sent again that the hub had: %.0f",
		atKill, len(g.all), bSent("duplicate")-duplicates)

	// A killed inside the import of a batch, and started again.
	unacked, caught := f.killAApplying(t, g, func() { importAtB(aKilledImporting, 2000) })
	if !caught {
		t.Fatal("A was not caught importing a batch in 5 tries")
	}
	t.Logf("A killed importing a batch, %d of %d records at A, %d batches unacked at the hub",
		f.a.countFrom(t, f.b.region), len(g.all), len(unacked))
	f.a.start(t)
	f.waitAllAtA(t, g, "after A's restart")

	// A crashed between the import of a batch and its record, by the
	// failpoint there: the import committed, the batch neither recorded
	// nor acked. Its records come again, every one a duplicate. A is
	// stopped only once it has acked every batch: with all the records
	// stored it may still be between the last batch's import and its
	// record, and that batch would then be the one to meet the failpoint.
	relWait(t, 10*time.Second, "A acking every batch before it is stopped", func() bool { return len(f.hubBatchesForA(t, 1)) == 0 })
	f.a.kill()
	f.a.start(t, failpoint.EnvVar+"="+node.CrashAfterBatchImport)
	importAtB(aKilledBeforeRecord, 1000)
	relWait(t, 15*time.Second, "A crashing between a batch's import and its record", f.a.dead)
	unacked = f.hubBatchesForA(t, 1000)
	if len(unacked) != 1 || f.a.countFrom(t, f.b.region) != len(g.all) || f.a.inboxRecorded(t, unacked[0]) {
		t.Fatalf("A crashed at the failpoint with %d batches unacked at the hub (want 1), %d of %d records stored (want all), the batch recorded: %v",
			len(unacked), f.a.countFrom(t, f.b.region), len(g.all), len(unacked) > 0 && f.a.inboxRecorded(t, unacked[0]))
	}
	reapplied := unacked[0]
	t.Logf("A crashed between a batch's import and its record, %d records at A, batch %d unacked at the hub", len(g.all), reapplied)

	// A down: B's next records wait at the hub; then A starts again on its
	// data and port.
	importAtB(aDown, 300)
	relWait(t, 15*time.Second, "the hub holding B's next batch for A while A is down", func() bool {
		return len(f.hubBatchesForA(t, 1000)) > len(unacked)
	})
	f.a.start(t)
	f.waitAllAtA(t, g, "after A's second restart")
	relWait(t, 10*time.Second, "A acking every batch", func() bool { return len(f.hubBatchesForA(t, 1)) == 0 })
	relWait(t, 10*time.Second, "B's outbox empty", func() bool {
		return relMetric(t, f.b.base+"/metrics", f.bAdmin, "healthcode_hub_outbox_records") == 0
	})

	// Statuses: each phase's positive test turned its person red.
	for i, c := range citizens {
		want := "red"
		if i == phases {
			want = "green"
		}
		relWait(t, 10*time.Second, fmt.Sprintf("citizen %d's status %s", i, want), func() bool {
			return f.a.status(t, c.session)["colour"] == want
		})
	}

	// A's store, A stopped: every record exactly once, as B was given it.
	f.a.interrupt(t)
	for _, p := range f.checkA(t, g) {
		t.Error(p)
	}
	batches := f.a.inboxBatches(t)
	var sum relInboxSum
	for _, b := range batches {
		sum.add(b)
		if b.Seq == reapplied && (b.Duplicate != b.Records || b.Accepted != 0 || b.Records == 0) {
			t.Errorf("the batch A was killed recording (seq %d) applied again: %+v, want its %d records all duplicates",
				b.Seq, b, b.Records)
		}
	}
	t.Logf("%s: %d records in %d batches applied at A (%d accepted, %d duplicates on a second apply) in %s",
		storetest.Backend(), len(g.all), len(batches), sum.Accepted, sum.Duplicate, time.Since(start).Round(100*time.Millisecond))
	if n := int64(len(g.all)); sum.Records != n || sum.Accepted+sum.Duplicate != n ||
		sum.Rejected+sum.Invalid+sum.UnknownSubject+sum.Corrected != 0 {
		t.Errorf("A's inbox: %+v over %d batches, want %d records, each accepted or a duplicate", sum, len(batches), n)
	}
	if len(batches) < 9 {
		t.Errorf("%d batches applied at A, want 9 or more", len(batches))
	}
}

// relFederation is a hub and two nodes (as in TestFederationAcrossProcesses)
// that the test kills and starts again on the same data and ports.
type relFederation struct {
	hubDir, hubAddr, hubKey string
	hub                     *nodeProcess
	aPeer                   string // A's peer token at the hub: what the hub holds for A
	bAdmin                  string // an admin token of B, for its metrics
	a, b                    *relNode
}

type relNode struct {
	federatedNode
	addr    string
	base    string
	dataDir string
	args    []string // serve's flags but --dev, --addr and --log-level
	probe   *sql.DB  // the write-lock probe of the store (SQLite only)
}

type relCitizen struct {
	idNumber, session string
}

func startRelFederation(t *testing.T) *relFederation {
	t.Helper()
	dir := t.TempDir()
	f := &relFederation{hubDir: filepath.Join(dir, "hub"), hubAddr: freeAddr(t)}
	f.hubKey = lastLine(t, runCommand(t, "hub", "key", "--data", f.hubDir))
	tokens := map[string]string{}
	for region, name := range map[string]string{"CN-330100": "杭州市", "CN-440100": "广州市"} {
		tokens[region] = lastLine(t, runCommand(t, "hub", "region", "add", "--id", region, "--name", name, "--mode", "local",
			"--data", f.hubDir))
	}
	f.aPeer = tokens["CN-330100"]
	f.startHub(t)
	node := func(region, dataDir string, store []string) *relNode {
		n := &relNode{addr: freeAddr(t), dataDir: dataDir}
		n.base = "http://" + n.addr
		n.region, n.api, n.store = region, n.base+"/api/v1", store
		n.args = append(append([]string{}, store...), "--region", region, "--hub", "http://"+f.hubAddr,
			"--hub-token", tokens[region], "--hub-key", f.hubKey, "--hub-refresh", "500ms", "--hub-exchange", "200ms")
		n.start(t)
		return n
	}
	aDir := filepath.Join(dir, "a")
	f.a = node("CN-330100", aDir, []string{"--data", aDir})
	bDir := filepath.Join(dir, "b")
	bStore := []string{"--data", bDir}
	if dsn := storetest.MustDSN(t); dsn != "" {
		bStore = append(bStore, "--db", dsn)
	}
	f.b = node("CN-440100", bDir, bStore)
	return f
}

func (f *relFederation) startHub(t *testing.T) {
	t.Helper()
	hub := startProcess(t, "http://"+f.hubAddr+"/healthz", "hub", "--addr", f.hubAddr, "--data", f.hubDir, "--log-level", "warn")
	f.hub = hub
	t.Cleanup(func() { hub.stop(t) })
}

// killHub ends the hub with SIGKILL.
func (f *relFederation) killHub(t *testing.T) {
	t.Helper()
	f.hub.cmd.Process.Kill()
	<-f.hub.exited
}

// start starts the node's process, again after a kill, on its data and
// port.
// start starts the node on its data and port, with env added to its
// environment.
func (n *relNode) start(t *testing.T, env ...string) {
	t.Helper()
	p := startProcessEnv(t, "http://"+n.addr+"/healthz", env,
		append([]string{"serve", "--dev", "--addr", n.addr, "--log-level", "warn"}, n.args...)...)
	n.nodeProcess = p
	t.Cleanup(func() { p.stop(t) })
}

func (n *relNode) kill() {
	n.cmd.Process.Kill()
	<-n.exited
}

func (n *relNode) dead() bool {
	select {
	case <-n.exited:
		return true
	default:
		return false
	}
}

// interrupt stops the node as an operator does (SIGINT) and waits for it.
func (n *relNode) interrupt(t *testing.T) {
	t.Helper()
	n.cmd.Process.Signal(os.Interrupt)
	select {
	case <-n.exited:
		if n.err != nil {
			t.Errorf("%s did not stop cleanly: %v", n.region, n.err)
		}
	case <-time.After(15 * time.Second):
		n.kill()
		t.Errorf("%s did not stop within 15 s of SIGINT", n.region)
	}
}

// waitAllAtA waits until A's store holds as many records from B as B was
// given. It fails at once, naming what is wrong, once nothing is under
// way for 3 s (B's outbox empty, nothing unacked for A at the hub) with
// records still missing at A.
func (f *relFederation) waitAllAtA(t *testing.T, g *relRecords, after string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var idleSince, nextIdleCheck time.Time
	for {
		n := f.a.countFrom(t, f.b.region)
		if n == len(g.all) {
			return
		}
		now := time.Now()
		if now.After(deadline) {
			t.Fatalf("after 30 s, %d of %d records at A %s: %s", n, len(g.all), after, strings.Join(f.checkA(t, g), "; "))
		}
		if now.After(nextIdleCheck) {
			nextIdleCheck = now.Add(200 * time.Millisecond)
			idle := len(f.hubBatchesForA(t, 1)) == 0 &&
				relMetric(t, f.b.base+"/metrics", f.bAdmin, "healthcode_hub_outbox_records") == 0
			switch {
			case !idle:
				idleSince = time.Time{}
			case idleSince.IsZero():
				idleSince = now
			case now.Sub(idleSince) > 3*time.Second:
				t.Fatalf("%d of %d records at A %s, while for 3 s B's outbox is empty and the hub holds nothing for A: %s",
					n, len(g.all), after, strings.Join(f.checkA(t, g), "; "))
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkA compares the tests from B in A's store (running or not) with
// those B was given, and says what is wrong: records missing, stored more
// than once, not given to B, or on another person or with another result.
func (f *relFederation) checkA(t *testing.T, g *relRecords) []string {
	t.Helper()
	box, err := secret.LoadOrCreate(f.a.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[string]relRecord, len(g.all))
	for _, r := range g.all {
		want[f.b.region+"/"+r.id] = r
	}
	seen := map[string]int{}
	var dup, extra, wrong []string
	for _, s := range f.a.testsFrom(t, f.b.region) {
		if seen[s.externalID]++; seen[s.externalID] == 2 {
			dup = append(dup, s.externalID)
		}
		r, ok := want[s.externalID]
		switch {
		case !ok:
			extra = append(extra, s.externalID)
		case !bytes.Equal(s.personKey, box.PersonKey(r.idNumber)) || s.positive != r.positive:
			wrong = append(wrong, s.externalID)
		}
	}
	var missing []string
	for _, r := range g.all {
		if id := f.b.region + "/" + r.id; seen[id] == 0 {
			missing = append(missing, id)
		}
	}
	var problems []string
	for _, p := range []struct {
		what string
		ids  []string
	}{{"missing at A", missing}, {"stored more than once at A", dup}, {"at A but not given to B", extra},
		{"at A on another person or with another result than B was given", wrong}} {
		if len(p.ids) > 0 {
			problems = append(problems, fmt.Sprintf("%d of %d records %s, e.g. %v", len(p.ids), len(g.all), p.what, p.ids[:min(len(p.ids), 5)]))
		}
	}
	return problems
}

// killAApplying runs send (which has B send a batch to A) until A is
// caught importing the batch, at most 5 times, kills A (SIGKILL) while
// the import's transaction holds the write lock, so the import is rolled
// back, and returns the batches the hub still lists for A (A died before
// it acked them), and whether A was caught. When it was not, A runs,
// every batch applied.
//
// A importing is A writing its store while the hub lists a batch for A,
// after A's store was quiet: the receiver's first write is the import's
// transaction. Whether A was killed so is checked after the kill.
func (f *relFederation) killAApplying(t *testing.T, g *relRecords, send func()) ([]int64, bool) {
	t.Helper()
	for attempt := 1; attempt <= 5; attempt++ {
		f.a.waitQuiet(t)
		send()
		// A's first write from now on is the import of B's batch.
		if f.a.killImporting(t, f.b.region+"/"+g.all[len(g.all)-1].id) {
			seqs := f.hubBatchesForA(t, 1000)
			imported := f.a.countFrom(t, f.b.region) == len(g.all)
			if len(seqs) == 1 && !imported && !f.a.inboxRecorded(t, seqs[0]) {
				return seqs, true
			}
			t.Logf("attempt %d: A killed at another moment (%d batches unacked, import committed: %v)", attempt, len(seqs), imported)
		} else {
			t.Logf("attempt %d: A applied the batch before it could be killed", attempt)
		}
		if f.a.dead() {
			f.a.start(t)
		}
		f.waitAllAtA(t, g, "after a batch A was not caught applying")
	}
	return nil, false
}

// killImporting watches the node's store and kills the node (see
// killAApplying) once a write has held the lock for 5 ms: the import
// holds it for tens of milliseconds, other writes (the receiver's cursor,
// a recompute job) for less than one. lastID is the external id of the
// batch's last record: once it is stored, the import has committed, and
// the moment passed unseen (false).
func (n *relNode) killImporting(t *testing.T, lastID string) bool {
	t.Helper()
	probe, stored := n.writeProbe(t), n.storedProbe(t)
	var lockedSince time.Time
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Microsecond) {
		tx, locked := relTryWriteLock(t, probe)
		switch {
		case !locked:
			tx.Rollback()
			lockedSince = time.Time{}
		case lockedSince.IsZero():
			lockedSince = time.Now()
		case time.Since(lockedSince) >= 5*time.Millisecond:
			n.kill()
			return true
		}
		if stored(lastID) {
			return false
		}
	}
	t.Fatalf("%s has not applied B's batch after 15 s", n.region)
	return false
}

// storedProbe returns a function telling whether the test of an external
// id is in the node's store, read on a connection of its own.
func (n *relNode) storedProbe(t *testing.T) func(externalID string) bool {
	t.Helper()
	db := n.readStore(t)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		db.Close()
	})
	// external_id <> '' lets SQLite use the partial unique index.
	return func(externalID string) bool {
		var c int
		if err := conn.QueryRowContext(context.Background(), `SELECT count(*) FROM tests WHERE external_id = ? AND external_id <> ''`, externalID).Scan(&c); err != nil {
			t.Fatalf("%s's store: %v", n.region, err)
		}
		return c > 0
	}
}

// waitQuiet waits until the node has not written its store for a while
// (the write lock found free ten times running, over 200 ms or more): the
// recompute after its last import is over, so that its next write is the
// next batch's import.
func (n *relNode) waitQuiet(t *testing.T) {
	t.Helper()
	probe := n.writeProbe(t)
	free := 0
	relWait(t, 15*time.Second, n.region+"'s store quiet", func() bool {
		if tx, locked := relTryWriteLock(t, probe); locked {
			free = 0
		} else {
			tx.Rollback()
			free++
		}
		return free >= 10
	})
}

// writeProbe is a connection to the node's SQLite store whose
// transactions take the write lock at once or fail busy. It stays open
// until the test ends: closed while the node is down it would, the last
// connection, checkpoint the WAL the restarted node is to recover.
func (n *relNode) writeProbe(t *testing.T) *sql.DB {
	t.Helper()
	if n.probe == nil {
		n.probe = n.openStore(t, "_pragma=busy_timeout(0)&_txlock=immediate")
		probe := n.probe
		t.Cleanup(func() { probe.Close() })
	}
	return n.probe
}

// relTryWriteLock begins a transaction on probe, which takes the store's
// write lock, unless another process holds it (locked, tx nil).
func relTryWriteLock(t *testing.T, probe *sql.DB) (tx *sql.Tx, locked bool) {
	t.Helper()
	tx, err := probe.BeginTx(context.Background(), nil)
	if err != nil {
		if strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked") {
			return nil, true
		}
		t.Fatalf("write-lock probe: %v", err)
	}
	return tx, false
}

// openStore opens the node's SQLite store with database/sql and the query
// parameters given.
func (n *relNode) openStore(t *testing.T, query string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(n.dataDir, sqlite.FileName)+"?"+query)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// readStore opens the node's SQLite store read-only, while the node runs
// or after.
func (n *relNode) readStore(t *testing.T) *sql.DB {
	t.Helper()
	return n.openStore(t, "mode=ro&_pragma=busy_timeout(5000)")
}

// countFrom counts the tests of region from in the node's store.
func (n *relNode) countFrom(t *testing.T, from string) int {
	t.Helper()
	db := n.readStore(t)
	defer db.Close()
	var c int
	if err := db.QueryRow(`SELECT count(*) FROM tests WHERE external_id LIKE ?`, from+"/%").Scan(&c); err != nil {
		t.Fatalf("counting %s's tests at %s: %v", from, n.region, err)
	}
	return c
}

type relStoredTest struct {
	externalID string
	personKey  []byte
	positive   bool
}

// testsFrom is the tests of region from in the node's store.
func (n *relNode) testsFrom(t *testing.T, from string) []relStoredTest {
	t.Helper()
	db := n.readStore(t)
	defer db.Close()
	rows, err := db.Query(`SELECT external_id, person_key, result FROM tests WHERE external_id LIKE ?`, from+"/%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []relStoredTest
	for rows.Next() {
		var s relStoredTest
		var result int
		if err := rows.Scan(&s.externalID, &s.personKey, &result); err != nil {
			t.Fatal(err)
		}
		s.positive = result == 1
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// relInboxSum is a batch's summary in a node's inbox, or their sum.
type relInboxSum struct {
	Seq                                                                 int64
	Records, Accepted, Duplicate, Corrected, Rejected, Pending, Invalid int64
	UnknownSubject                                                      int64 `json:"unknown_subject"`
}

func (s *relInboxSum) add(b relInboxSum) {
	s.Records += b.Records
	s.Accepted += b.Accepted
	s.Duplicate += b.Duplicate
	s.Corrected += b.Corrected
	s.Rejected += b.Rejected
	s.Pending += b.Pending
	s.Invalid += b.Invalid
	s.UnknownSubject += b.UnknownSubject
}

// inboxBatches is the batches the node recorded applied, with their
// summaries.
func (n *relNode) inboxBatches(t *testing.T) []relInboxSum {
	t.Helper()
	db := n.readStore(t)
	defer db.Close()
	rows, err := db.Query(`SELECT seq, summary FROM hub_inbox_batches ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []relInboxSum
	for rows.Next() {
		var seq int64
		var raw string
		if err := rows.Scan(&seq, &raw); err != nil {
			t.Fatal(err)
		}
		var s relInboxSum
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			t.Fatal(err)
		}
		s.Seq = seq
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// inboxRecorded tells whether the node recorded the batch of the hub's seq
// applied.
func (n *relNode) inboxRecorded(t *testing.T, seq int64) bool {
	t.Helper()
	db := n.readStore(t)
	defer db.Close()
	var c int
	if err := db.QueryRow(`SELECT count(*) FROM hub_inbox_batches WHERE seq = ?`, seq).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c > 0
}

// hubBatchesForA is the seqs of at most limit batches the hub holds for A,
// not yet acked (asked with A's token, which acks nothing).
func (f *relFederation) hubBatchesForA(t *testing.T, limit int) []int64 {
	t.Helper()
	status, out := request(t, "GET", fmt.Sprintf("http://%s/hub/v1/batches?since=0&limit=%d", f.hubAddr, limit), f.aPeer, "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /hub/v1/batches as A: %d %v", status, out)
	}
	list, _ := out["batches"].([]any)
	seqs := make([]int64, 0, len(list))
	for _, b := range list {
		m, _ := b.(map[string]any)
		seq, _ := m["seq"].(float64)
		seqs = append(seqs, int64(seq))
	}
	return seqs
}

// relRecord is a test B was given.
type relRecord struct {
	id, idNumber string
	positive     bool
}

// relRecords makes the tests B is given, in chunks, and keeps them all.
type relRecords struct {
	all []relRecord
}

// chunk is a CSV of n tests (n ≥ 2) of people of region home: a positive
// one of the person positive, a negative one of negative, the rest
// negative tests of 700 people A does not know (pending there).
func (g *relRecords) chunk(n int, positive, negative, home string) []byte {
	var b bytes.Buffer
	b.WriteString("id,id_number,sampled_at,reported_at,result,lab,home_region\n")
	for i := 0; i < n; i++ {
		r := relRecord{id: fmt.Sprintf("rel-%05d", len(g.all)), idNumber: loadResidentID(len(g.all) % 700)}
		// Negative tests sampled 2 hours ago or more, the positive one
		// since: the latest test of its person.
		at := time.Now().Add(-2*time.Hour - time.Duration(len(g.all))*time.Second)
		switch i {
		case 0:
			r.idNumber, r.positive, at = positive, true, time.Now().Add(-30*time.Minute)
		case 1:
			r.idNumber = negative
		}
		g.all = append(g.all, r)
		result := "negative"
		if r.positive {
			result = "positive"
		}
		ts := at.UTC().Format(time.RFC3339)
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,Canton Lab,%s\n", r.id, r.idNumber, ts, ts, result, home)
	}
	return b.Bytes()
}

// relWait polls ok until it holds, failing the test after limit.
func relWait(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: not %s", limit, what)
		}
	}
}

// relMetric sums the samples of the metric name at url whose labels
// include every one of labels.
func relMetric(t *testing.T, url, token, name string, labels ...string) float64 {
	t.Helper()
	var sum float64
	sc := bufio.NewScanner(bytes.NewReader(get(t, url, token)))
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || rest[0] != '{' && rest[0] != ' ' {
			continue
		}
		match := true
		for _, l := range labels {
			match = match && strings.Contains(rest, l)
		}
		if !match {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		sum += v
	}
	return sum
}
