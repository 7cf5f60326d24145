package node_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/trust"
	"github.com/prometheus/client_golang/prometheus"
)

// sender is the region the batches come from.
const sender = "CN-440100"

// inboxHub is a fake hub for the receiving side: it serves a trust list
// signed with its key, lists the batches given to it to the peer of this
// region by seq, and records the sinces asked and the acks.
type inboxHub struct {
	t    *testing.T
	srv  *httptest.Server
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey

	mu        sync.Mutex
	list      string // the signed trust list
	trustDown bool   // GET /hub/v1/trust answers 503
	ackDown   bool   // POST /hub/v1/batches/ack answers 503
	batches   []inboxListed
	sinces    []int64
	limits    []int
	acks      []int64
}

type inboxListed struct {
	Seq    int64  `json:"seq"`
	ID     string `json:"id"`
	From   string `json:"from"`
	Signed string `json:"signed"`
}

const inboxToken = "peer-token-of-" + region

func newInboxHub(t *testing.T) *inboxHub {
	h := &inboxHub{t: t}
	h.pub, h.priv, _ = ed25519.GenerateKey(nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hub/v1/trust", func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.trustDown {
			http.Error(w, `{"error":{"code":"unavailable","message":"down"}}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/jose")
		io.WriteString(w, h.list)
	})
	mux.HandleFunc("GET /hub/v1/batches", h.listBatches)
	mux.HandleFunc("POST /hub/v1/batches/ack", h.ack)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

// serve makes the hub serve a list of regions signed with its key.
func (h *inboxHub) serve(issuedAt time.Time, regions ...trust.Region) {
	h.t.Helper()
	jws, err := trust.SignJWS(hubList(issuedAt, regions...), h.priv, trust.HubKID(h.pub))
	if err != nil {
		h.t.Fatal(err)
	}
	h.mu.Lock()
	h.list = jws
	h.mu.Unlock()
}

// add lists a batch under the next seq, from the region it says.
func (h *inboxHub) add(from, id, signed string) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	seq := int64(len(h.batches) + 1)
	h.batches = append(h.batches, inboxListed{Seq: seq, ID: id, From: from, Signed: signed})
	return seq
}

func (h *inboxHub) listBatches(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+inboxToken {
		http.Error(w, `{"error":{"code":"unauthorized","message":"no peer token"}}`, http.StatusUnauthorized)
		return
	}
	since, err1 := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	limit, err2 := strconv.Atoi(r.URL.Query().Get("limit"))
	if err1 != nil || err2 != nil || limit < 1 {
		http.Error(w, `{"error":{"code":"invalid","message":"since and limit"}}`, http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sinces = append(h.sinces, since)
	h.limits = append(h.limits, limit)
	page := []inboxListed{}
	next := since
	for _, b := range h.batches {
		if b.Seq > since && len(page) < limit {
			page = append(page, b)
			next = b.Seq
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"batches": page, "next": next})
}

func (h *inboxHub) ack(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Through int64 `json:"through"`
	}
	if r.Header.Get("Authorization") != "Bearer "+inboxToken || json.NewDecoder(r.Body).Decode(&body) != nil {
		http.Error(w, `{"error":{"code":"invalid","message":"bad ack"}}`, http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ackDown {
		http.Error(w, `{"error":{"code":"unavailable","message":"down"}}`, http.StatusServiceUnavailable)
		return
	}
	h.acks = append(h.acks, body.Through)
	io.WriteString(w, `{"acked":1}`)
}

// limitsAsked are the page sizes asked for, in order.
func (h *inboxHub) limitsAsked() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int(nil), h.limits...)
}

func (h *inboxHub) asked() (sinces, acks []int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int64(nil), h.sinces...), append([]int64(nil), h.acks...)
}

// inboxEnv is a node of region receiving from sender through an inboxHub.
type inboxEnv struct {
	*env
	hub      *inboxHub
	key      *hubtest.Key // sender's current key
	revoked  *hubtest.Key // a key of sender the hub's list marks revoked
	client   *node.HubClient
	reg      *prometheus.Registry
	rec      *node.Recompute
	receiver *node.HubReceiver
	log      *inboxLog
}

// inboxLog keeps what the receiver logs.
type inboxLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *inboxLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *inboxLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// wantLogged fails unless a line of the log holds every one of parts.
func (e *inboxEnv) wantLogged(t *testing.T, parts ...string) {
	t.Helper()
	for line := range strings.SplitSeq(e.log.String(), "\n") {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(line, p) }) {
			return
		}
	}
	t.Errorf("no log line with %q in:\n%s", parts, e.log.String())
}

func newInboxEnv(t *testing.T) *inboxEnv {
	t.Helper()
	e := &inboxEnv{env: newEnv(t), hub: newInboxHub(t), reg: prometheus.NewRegistry(),
		key: hubtest.NewKey(t, healthcode.AlgEdDSA), revoked: hubtest.NewKey(t, healthcode.AlgES256), log: &inboxLog{}}
	e.serveKeys(e.key)
	e.client = &node.HubClient{URL: e.hub.srv.URL, Token: inboxToken, HubKey: e.hub.pub, Region: region,
		DataDir: t.TempDir(), HTTP: e.hub.srv.Client(), Now: e.clock.Now}
	if err := e.client.FetchTrust(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.rec = e.recompute()
	// The imports start recomputes that run on; the store must not close
	// under them.
	t.Cleanup(func() { e.waitRecomputes(t) })
	e.receiver = &node.HubReceiver{Client: e.client, Store: e.db, Import: e.importing(e.rec), Region: region,
		Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(e.log, nil)), Metrics: node.NewHubReceiveMetrics(e.reg)}
	return e
}

// serveKeys has the hub list sender with keys (and the revoked one),
// issued now.
func (e *inboxEnv) serveKeys(keys ...*hubtest.Key) {
	var entries []trust.Key
	for _, k := range keys {
		entries = append(entries, k.Entry(e.clock.Now().Add(-24*time.Hour), time.Time{}, false))
	}
	entries = append(entries, e.revoked.Entry(time.Time{}, time.Time{}, true))
	e.hub.serve(e.clock.Now(),
		trust.Region{ID: region, Name: "杭州市", Mode: trust.ModeLocal, Keys: []trust.Key{}},
		trust.Region{ID: sender, Name: "广州市", Mode: trust.ModeLocal, Keys: entries})
}

// batch is a batch payload as a sender signs it.
type batch struct {
	ID       string           `json:"id"`
	From     string           `json:"from"`
	To       string           `json:"to"`
	IssuedAt time.Time        `json:"issued_at"`
	Records  []map[string]any `json:"records"`
}

func (e *inboxEnv) newBatch(records ...map[string]any) *batch {
	id := make([]byte, 16)
	rand.Read(id)
	return &batch{ID: hex.EncodeToString(id), From: sender, To: region, IssuedAt: e.clock.Now().Add(-time.Minute), Records: records}
}

// send signs b with k and lists it at the hub, under b.From.
func (e *inboxEnv) send(t *testing.T, k *hubtest.Key, b *batch) int64 {
	t.Helper()
	return e.hub.add(b.From, b.ID, hubtest.Sign(t, k, b))
}

func (e *inboxEnv) receive(t *testing.T) {
	t.Helper()
	if err := e.receiver.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// applied returns the batch recorded as applied, failing when it is not.
func (e *inboxEnv) applied(t *testing.T, id string) *healthcode.InboxBatch {
	t.Helper()
	b, err := e.db.FindInboxBatch(context.Background(), id)
	if err != nil {
		t.Fatalf("batch %s: %v", id, err)
	}
	return b
}

func (e *inboxEnv) notApplied(t *testing.T, id string) {
	t.Helper()
	_, err := e.db.FindInboxBatch(context.Background(), id)
	wantCode(t, err, healthcode.ENOTFOUND)
}

// waitJobs runs a round with nothing new, which starts the recompute of
// the batches applied before (one for them all, not one each), waits for
// it and fails unless one ran to the end after b was applied.
func (e *inboxEnv) waitJobs(t *testing.T, b *healthcode.InboxBatch) {
	t.Helper()
	e.receive(t)
	e.waitRecomputes(t)
	var done, failed int
	if err := e.db.SQL().QueryRowContext(context.Background(),
		`SELECT count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'failed') FROM jobs WHERE reason = 'hub batches' AND created_at >= $1`,
		b.AppliedAt.UnixMicro()).Scan(&done, &failed); err != nil {
		t.Fatal(err)
	}
	if done == 0 || failed != 0 {
		t.Fatalf("batch %s: %d recomputes done and %d failed after it was applied", b.ID, done, failed)
	}
}

// waitRecomputes waits until no recompute job is queued or running.
func (e *inboxEnv) waitRecomputes(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := e.db.SQL().QueryRowContext(context.Background(),
			`SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("recomputes still running")
}

func (e *inboxEnv) cursor(t *testing.T) int64 {
	t.Helper()
	seq, err := e.db.InboxCursor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// stored counts the rows of table with external id id.
func (e *inboxEnv) stored(t *testing.T, table, id string) int {
	t.Helper()
	var n int
	if err := e.db.SQL().QueryRowContext(context.Background(),
		`SELECT count(*) FROM `+table+` WHERE external_id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *inboxEnv) subject(t *testing.T, id int64) string {
	t.Helper()
	p, err := e.db.FindPerson(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(p.Subject)
}

func contactBySubject(id, subject, degree string, exposed time.Time) map[string]any {
	return map[string]any{"record_kind": healthcode.KindContacts, "id": id, "subject": subject,
		"degree": degree, "last_exposure": exposed.Format(time.RFC3339)}
}

// A contact another region found by a person's code turns their status
// here once the import's recompute has run: a companion yellow, a close
// contact red.
func TestHubReceiveContactBySubject(t *testing.T) {
	for _, tt := range []struct {
		degree string
		want   healthcode.Colour
	}{
		{"companion", healthcode.Yellow},
		{"close", healthcode.Red},
	} {
		t.Run(tt.degree, func(t *testing.T) {
			e := newInboxEnv(t)
			id := e.readyCitizen(t)
			if c := e.colour(t, id); c != healthcode.Green {
				t.Fatalf("colour before = %v", c)
			}
			b := e.newBatch(contactBySubject(sender+"/trace-7-V2-1", e.subject(t, id), tt.degree, e.clock.Now().Add(-24*time.Hour)))
			seq := e.send(t, e.key, b)
			e.receive(t)

			got := e.applied(t, b.ID)
			if got.From != sender || got.Seq != seq || got.Summary.Records != 1 || got.Summary.Accepted != 1 || got.Summary.Pending != 0 {
				t.Fatalf("applied batch = %+v", got)
			}
			e.waitJobs(t, got)
			if c := e.colour(t, id); c != tt.want {
				t.Errorf("colour after the recompute = %v, want %v", c, tt.want)
			}
			if n := e.stored(t, "contacts", sender+"/trace-7-V2-1"); n != 1 {
				t.Errorf("%d contacts stored, want 1", n)
			}
			if c := e.cursor(t); c != seq {
				t.Errorf("cursor = %d, want %d", c, seq)
			}
			if _, acks := e.hub.asked(); len(acks) != 1 || acks[0] != seq {
				t.Errorf("acks = %v, want [%d]", acks, seq)
			}
			if n := metric(t, e.reg, "healthcode_hub_batches_total", node.ReceiveApplied); n != 1 {
				t.Errorf("applied batches counted %v, want 1", n)
			}
		})
	}
}

// Records named by document go as they are; each record that cannot be
// applied is counted, none silently dropped.
func TestHubReceiveRecordsByDocument(t *testing.T) {
	e := newInboxEnv(t)
	ctx := context.Background()
	id := e.readyCitizen(t)
	other := e.signIn(t, "13900139000")
	if _, err := e.citizens.SaveProfile(ctx, other, &healthcode.Profile{Name: "李四", IDType: healthcode.IDResident, IDNumber: "110105194912310062"}); err != nil {
		t.Fatal(err)
	}
	unknown := make([]byte, 16)
	sampled := e.clock.Now().Add(-6 * time.Hour).Format(time.RFC3339)
	b := e.newBatch(
		// A positive test of a registered person, with fields the import
		// does not know and a home region, which are left out.
		map[string]any{"record_kind": healthcode.KindTests, "id": sender + "/lab-1", "id_type": "resident_id", "id_number": "110105194912310062",
			"sampled_at": sampled, "result": "positive", "venue_id": "V2", "home_region": "CN-310100"},
		// A vaccination of a person nobody registered yet: pending.
		map[string]any{"record_kind": healthcode.KindVaccinations, "id": sender + "/vac-1", "id_number": "110101199003077774",
			"product": "BBIBP-CorV", "dose": 1, "date": "2026-10-01"},
		// A quarantine keeps its own kind beside the record's kind.
		map[string]any{"record_kind": healthcode.KindQuarantines, "id": sender + "/q-1", "id_number": "110101199003077774",
			"kind": "home", "start": sampled, "end": e.clock.Now().Add(7 * 24 * time.Hour).Format(time.RFC3339)},
		// A subject unknown here.
		contactBySubject(sender+"/trace-7-V2-2", hex.EncodeToString(unknown), "close", e.clock.Now().Add(-time.Hour)),
		// An id without the sender's prefix could overwrite a local record.
		map[string]any{"record_kind": healthcode.KindTests, "id": "lab-1", "id_number": ownID, "sampled_at": sampled, "result": "positive"},
		// An unknown kind.
		map[string]any{"record_kind": "purchases", "id": sender + "/p-1", "id_number": ownID},
		// A row the import rejects.
		map[string]any{"record_kind": healthcode.KindTests, "id": sender + "/lab-2", "id_number": ownID, "sampled_at": sampled, "result": "maybe"},
		// A value no file could hold.
		map[string]any{"record_kind": healthcode.KindTests, "id": sender + "/lab-3", "id_number": ownID, "sampled_at": map[string]string{"at": sampled}, "result": "positive"},
	)
	e.send(t, e.key, b)
	e.receive(t)

	got := e.applied(t, b.ID).Summary
	want := healthcode.InboxSummary{Records: 8, Accepted: 3, Pending: 2, UnknownSubject: 1, Invalid: 3, Rejected: 1, Jobs: got.Jobs}
	if got.Records != want.Records || got.Accepted != want.Accepted || got.Pending != want.Pending || got.UnknownSubject != want.UnknownSubject ||
		got.Invalid != want.Invalid || got.Rejected != want.Rejected || got.Duplicate != 0 || got.Corrected != 0 {
		t.Fatalf("summary = %+v, want %+v", got, want)
	}
	e.waitJobs(t, e.applied(t, b.ID))
	if c := e.colour(t, other); c != healthcode.Red {
		t.Errorf("colour of the person tested positive = %v, want red", c)
	}
	if c := e.colour(t, id); c != healthcode.Green {
		t.Errorf("colour of the person named only by refused records = %v, want green", c)
	}
	if n := e.stored(t, "tests", "lab-1"); n != 0 {
		t.Errorf("a record without the sender's prefix was stored")
	}
	if n := e.stored(t, "vaccinations", sender+"/vac-1"); n != 1 {
		t.Errorf("the pending vaccination was not stored")
	}
	if n := e.stored(t, "quarantines", sender+"/q-1"); n != 1 {
		t.Errorf("the pending quarantine was not stored")
	}
	for _, rec := range []string{sender + "/trace-7-V2-2", "lab-1", sender + "/p-1", sender + "/lab-2", sender + "/lab-3"} {
		e.wantLogged(t, "record of the batch not applied", "batch="+b.ID, "record="+rec)
	}
}

// A batch signed by a key the list does not hold for the sender, by a
// revoked key, or listed under another sender is passed over, not
// applied; the good batch after them is.
func TestHubReceiveRefusesUnverifiedBatches(t *testing.T) {
	e := newInboxEnv(t)
	id := e.readyCitizen(t)
	subject := e.subject(t, id)
	exposed := e.clock.Now().Add(-time.Hour)
	stranger := hubtest.NewKey(t, healthcode.AlgEdDSA)
	var refused, reasons []string
	bad := func(reason string, k *hubtest.Key, edit func(b *batch), listedFrom string) {
		b := e.newBatch(contactBySubject(sender+"/bad-"+strconv.Itoa(len(refused)), subject, "close", exposed))
		if edit != nil {
			edit(b)
		}
		kid := k.KID()
		if k == stranger && reason == "bad_signature" {
			kid = e.key.KID() // claims the sender's key
		}
		e.hub.add(listedFrom, b.ID, hubtest.SignAs(t, k, base64.StdEncoding.EncodeToString(kid), b))
		refused, reasons = append(refused, b.ID), append(reasons, reason)
	}
	bad("unknown_kid", stranger, nil, sender)
	bad("bad_signature", stranger, nil, sender)
	bad("key_revoked", e.revoked, nil, sender)
	// Listed by the hub as from another region than it says.
	bad("wrong_sender", e.key, nil, "CN-310100")
	// Issued before the key's not_before.
	bad("key_not_valid_at_iat", e.key, func(b *batch) { b.IssuedAt = e.clock.Now().Add(-48 * time.Hour) }, sender)
	good := e.newBatch(contactBySubject(sender+"/good", subject, "companion", exposed))
	last := e.send(t, e.key, good)

	e.receive(t)
	for i, id := range refused {
		e.notApplied(t, id)
		e.wantLogged(t, "batch refused", "batch="+id, "reason="+reasons[i])
	}
	for i := range refused {
		if n := e.stored(t, "contacts", sender+"/bad-"+strconv.Itoa(i)); n != 0 {
			t.Errorf("record of refused batch %d stored", i)
		}
	}
	e.waitJobs(t, e.applied(t, good.ID))
	if c := e.colour(t, id); c != healthcode.Yellow {
		t.Errorf("colour = %v, want yellow from the good batch alone", c)
	}
	if c := e.cursor(t); c != last {
		t.Errorf("cursor = %d, want %d: refused batches are passed", c, last)
	}
	// A page is acked once through; the first page of a round is small.
	if _, acks := e.hub.asked(); len(acks) == 0 || acks[len(acks)-1] != last || !slices.IsSorted(acks) {
		t.Errorf("acks = %v, want rising to %d", acks, last)
	}
	if n := metric(t, e.reg, "healthcode_hub_batches_total", node.ReceiveRefused); n != float64(len(refused)) {
		t.Errorf("refused batches counted %v, want %d", n, len(refused))
	}
}

// A batch addressed to another region is what a node holding that
// region's peer token is listed: the round stops there, naming the
// token, with the batches before it applied and nothing of it applied,
// passed or acked, so that the node it is for still gets it.
func TestHubReceiveStopsAtAnotherRegionsBatch(t *testing.T) {
	e := newInboxEnv(t)
	id := e.readyCitizen(t)
	subject := e.subject(t, id)
	exposed := e.clock.Now().Add(-time.Hour)
	first := e.newBatch(contactBySubject(sender+"/ours", subject, "companion", exposed))
	ours := e.send(t, e.key, first)
	theirs := e.newBatch(contactBySubject(sender+"/theirs", subject, "close", exposed))
	theirs.To = "CN-310100"
	e.send(t, e.key, theirs)
	e.send(t, e.key, e.newBatch(contactBySubject(sender+"/after", subject, "close", exposed)))

	for range 2 { // and again at the next round: it does not pass
		err := e.receiver.Receive(context.Background())
		wantCode(t, err, healthcode.EFORBIDDEN)
		if !strings.Contains(err.Error(), "--hub-token") || !strings.Contains(err.Error(), theirs.ID) {
			t.Errorf("error %q names neither --hub-token nor the batch", err)
		}
	}
	e.applied(t, first.ID)
	e.notApplied(t, theirs.ID)
	for _, rec := range []string{"theirs", "after"} {
		if n := e.stored(t, "contacts", sender+"/"+rec); n != 0 {
			t.Errorf("record %s stored past the batch to another region", rec)
		}
	}
	if c := e.cursor(t); c != ours {
		t.Errorf("cursor = %d, want %d: stopped before the batch to another region", c, ours)
	}
	if _, acks := e.hub.asked(); len(acks) != 0 {
		t.Errorf("acks = %v, want none: the page holding it is not acked", acks)
	}
	if n := metric(t, e.reg, "healthcode_hub_batches_total", node.ReceiveRefused); n != 0 {
		t.Errorf("counted %v refused, want 0: it is not passed over", n)
	}
}

// A peer token the hub does not know stops the round with an error that
// names the flag to put right.
func TestHubReceiveUnknownToken(t *testing.T) {
	e := newInboxEnv(t)
	e.send(t, e.key, e.newBatch())
	e.receiver.Client = &node.HubClient{URL: e.hub.srv.URL, Token: "not-a-token", HubKey: e.hub.pub, Region: region,
		DataDir: t.TempDir(), HTTP: e.hub.srv.Client(), Now: e.clock.Now}
	err := e.receiver.Receive(context.Background())
	wantCode(t, err, healthcode.EUNAUTHORIZED)
	if !strings.Contains(err.Error(), "--hub-token") {
		t.Errorf("error %q does not name --hub-token", err)
	}
}

// A batch signed by a key the sender rotated to after the node's last
// refresh: the list is fetched again and the batch applies. While the list
// cannot be fetched, the batch waits.
func TestHubReceiveRefreshesTheListForANewKey(t *testing.T) {
	e := newInboxEnv(t)
	id := e.readyCitizen(t)
	rotated := hubtest.NewKey(t, healthcode.AlgES256)
	e.clock.Add(time.Minute)
	e.serveKeys(e.key, rotated) // at the hub; the node still holds the old list
	b := e.newBatch(contactBySubject(sender+"/r-1", e.subject(t, id), "close", e.clock.Now().Add(-time.Hour)))
	e.send(t, rotated, b)

	e.hub.mu.Lock()
	e.hub.trustDown = true
	e.hub.mu.Unlock()
	if err := e.receiver.Receive(context.Background()); err == nil {
		t.Fatal("Receive passed over a batch it could not verify for want of a fresh list")
	}
	e.notApplied(t, b.ID)
	if c := e.cursor(t); c != 0 {
		t.Fatalf("cursor = %d, want 0: the batch waits", c)
	}

	e.hub.mu.Lock()
	e.hub.trustDown = false
	e.hub.mu.Unlock()
	e.receive(t)
	e.waitJobs(t, e.applied(t, b.ID))
	if c := e.colour(t, id); c != healthcode.Red {
		t.Errorf("colour = %v, want red", c)
	}
}

// Pages of Limit batches are asked after the cursor until one is empty;
// each page is acked through its last seq.
func TestHubReceivePages(t *testing.T) {
	e := newInboxEnv(t)
	id := e.readyCitizen(t)
	e.receiver.Limit = 2
	var ids []string
	for i := range 5 {
		b := e.newBatch(contactBySubject(sender+"/p-"+strconv.Itoa(i), e.subject(t, id), "companion", e.clock.Now().Add(-time.Hour)))
		e.send(t, e.key, b)
		ids = append(ids, b.ID)
	}
	e.receive(t)
	for _, id := range ids {
		e.applied(t, id)
	}
	sinces, acks := e.hub.asked()
	if want := []int64{0, 2, 4, 5}; !slices.Equal(sinces, want) {
		t.Errorf("sinces asked = %v, want %v", sinces, want)
	}
	if want := []int64{2, 4, 5}; !slices.Equal(acks, want) {
		t.Errorf("acks = %v, want %v", acks, want)
	}
	// Nothing new: one question, no ack.
	e.receive(t)
	if sinces, acks := e.hub.asked(); len(sinces) != 5 || sinces[4] != 5 || len(acks) != 3 {
		t.Errorf("after a round with nothing new: sinces %v, acks %v", sinces, acks)
	}
}

// The import of one batch fails in the middle of a page: the round stops
// there, the batches before it stay applied and the ones after it (read
// ahead already) are neither applied nor counted, and the next round
// applies the rest, each once.
func TestHubReceiveStopsAtAFailedImport(t *testing.T) {
	e := newInboxEnv(t)
	id := e.readyCitizen(t)
	var ids []string
	var seqs []int64
	for i := range 2 {
		b := e.newBatch(contactBySubject(sender+"/s-"+strconv.Itoa(i), e.subject(t, id), "companion", e.clock.Now().Add(-time.Hour)))
		seqs = append(seqs, e.send(t, e.key, b))
		ids = append(ids, b.ID)
	}
	// The third is signed by a revoked key: refused when reached.
	revoked := e.newBatch(contactBySubject(sender+"/s-2", e.subject(t, id), "companion", e.clock.Now().Add(-time.Hour)))
	seqs = append(seqs, e.send(t, e.revoked, revoked))
	ids = append(ids, revoked.ID)

	failing := &failingImports{ImportStore: e.receiver.Import.Store, failAt: 2}
	e.receiver.Import.Store = failing
	err := e.receiver.Receive(context.Background())
	if err == nil || !strings.Contains(err.Error(), ids[1]) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the failure of batch %s", err, ids[1])
	}
	e.applied(t, ids[0])
	e.notApplied(t, ids[1])
	e.notApplied(t, ids[2])
	if _, acks := e.hub.asked(); len(acks) != 0 {
		t.Errorf("acks = %v after a failed page, want none", acks)
	}
	if n := metric(t, e.reg, "healthcode_hub_batches_total", node.ReceiveRefused); n != 0 || strings.Contains(e.log.String(), "batch refused") {
		t.Errorf("the batch read ahead past the failure was counted (%v) or logged as refused:\n%s", n, e.log.String())
	}

	failing.failAt = 0
	e.receive(t)
	e.applied(t, ids[1])
	e.notApplied(t, ids[2])
	for i := range 2 {
		if n := e.stored(t, "contacts", sender+"/s-"+strconv.Itoa(i)); n != 1 {
			t.Errorf("record of batch %d stored %d times, want once", i, n)
		}
	}
	if n := metric(t, e.reg, "healthcode_hub_batches_total", node.ReceiveRefused); n != 1 {
		t.Errorf("refused batches counted %v, want 1", n)
	}
	e.wantLogged(t, "batch refused", "batch="+ids[2], "reason=key_revoked")
	if c := e.cursor(t); c != seqs[2] {
		t.Errorf("cursor = %d, want %d", c, seqs[2])
	}
}

// failingImports fails the failAt-th import (counting from 1; 0: none).
type failingImports struct {
	healthcode.ImportStore
	mu     sync.Mutex
	calls  int
	failAt int
}

func (f *failingImports) ImportRecords(ctx context.Context, src healthcode.ImportSource, now time.Time) (*healthcode.ImportSummary, error) {
	f.mu.Lock()
	f.calls++
	fail := f.failAt != 0 && f.calls == f.failAt
	f.mu.Unlock()
	if fail {
		return nil, healthcode.Errorf(healthcode.EUNAVAILABLE, "disk full")
	}
	return f.ImportStore.ImportRecords(ctx, src, now)
}

// A round's first page is small, so that batches land while the hub lists
// the next; the pages after it are as large as Limit.
func TestHubReceiveFirstPageSmall(t *testing.T) {
	e := newInboxEnv(t)
	id := e.readyCitizen(t)
	for i := range 6 {
		b := e.newBatch(contactBySubject(sender+"/f-"+strconv.Itoa(i), e.subject(t, id), "companion", e.clock.Now().Add(-time.Hour)))
		e.send(t, e.key, b)
	}
	e.receive(t)
	sinces, acks := e.hub.asked()
	if want := []int64{0, 4, 6}; !slices.Equal(sinces, want) {
		t.Errorf("sinces asked = %v, want %v", sinces, want)
	}
	if want := []int{4, node.DefaultReceiveLimit, node.DefaultReceiveLimit}; !slices.Equal(e.hub.limitsAsked(), want) {
		t.Errorf("limits asked = %v, want %v", e.hub.limitsAsked(), want)
	}
	if want := []int64{4, 6}; !slices.Equal(acks, want) {
		t.Errorf("acks = %v, want %v", acks, want)
	}
}

// An ack the hub did not take is made good at the next round, though
// nothing new came.
func TestHubReceiveAckAgain(t *testing.T) {
	e := newInboxEnv(t)
	id := e.readyCitizen(t)
	seq := e.send(t, e.key, e.newBatch(contactBySubject(sender+"/a-1", e.subject(t, id), "companion", e.clock.Now().Add(-time.Hour))))
	e.hub.mu.Lock()
	e.hub.ackDown = true
	e.hub.mu.Unlock()
	err := e.receiver.Receive(context.Background())
	wantCode(t, err, healthcode.EUNAVAILABLE)
	if c := e.cursor(t); c != seq {
		t.Fatalf("cursor = %d, want %d: the batch is applied", c, seq)
	}
	e.hub.mu.Lock()
	e.hub.ackDown = false
	e.hub.mu.Unlock()
	e.receive(t)
	e.receive(t)
	if _, acks := e.hub.asked(); !slices.Equal(acks, []int64{seq}) {
		t.Errorf("acks = %v, want [%d] once", acks, seq)
	}
}

// A batch the hub lists twice is applied once.
func TestHubReceiveBatchTwice(t *testing.T) {
	e := newInboxEnv(t)
	id := e.readyCitizen(t)
	b := e.newBatch(contactBySubject(sender+"/twice", e.subject(t, id), "close", e.clock.Now().Add(-time.Hour)))
	signed := hubtest.Sign(t, e.key, b)
	first := e.hub.add(sender, b.ID, signed)
	e.receive(t)
	second := e.hub.add(sender, b.ID, signed)
	e.receive(t)
	if got := e.applied(t, b.ID); got.Seq != first || got.Summary.Accepted != 1 {
		t.Errorf("applied = %+v, want the first listing's", got)
	}
	if n := e.stored(t, "contacts", sender+"/twice"); n != 1 {
		t.Errorf("%d contacts stored, want 1", n)
	}
	if c := e.cursor(t); c != second {
		t.Errorf("cursor = %d, want %d", c, second)
	}
	if _, acks := e.hub.asked(); !slices.Equal(acks, []int64{first, second}) {
		t.Errorf("acks = %v, want [%d %d]", acks, first, second)
	}
	if n := metric(t, e.reg, "healthcode_hub_batches_total", node.ReceiveDuplicate); n != 1 {
		t.Errorf("duplicates counted %v, want 1", n)
	}
}

// Exactly once: the records of a batch imported before a crash come again
// as duplicates of their prefixed ids; the batch is recorded once.
func TestHubReceiveCrashBeforeRecord(t *testing.T) {
	e := newInboxEnv(t)
	id := e.readyCitizen(t)
	b := e.newBatch(contactBySubject(sender+"/crash", e.subject(t, id), "close", e.clock.Now().Add(-time.Hour)))
	e.receiver.Store = &crashOnBatch{InboxStore: e.db, id: b.ID}
	seq := e.send(t, e.key, b)

	if err := e.receiver.Receive(context.Background()); err == nil {
		t.Fatal("Receive after a crash succeeded")
	}
	if n := e.stored(t, "contacts", sender+"/crash"); n != 1 {
		t.Fatalf("%d contacts stored by the import before the crash, want 1", n)
	}
	e.notApplied(t, b.ID)
	if c := e.cursor(t); c != 0 {
		t.Fatalf("cursor = %d after the crash, want 0", c)
	}
	if _, acks := e.hub.asked(); len(acks) != 0 {
		t.Fatalf("acked %v before the batch was recorded", acks)
	}

	e.clock.Add(time.Minute) // the import tells its own rows by their time
	e.receive(t)
	if n := e.stored(t, "contacts", sender+"/crash"); n != 1 {
		t.Errorf("%d contacts stored, want 1", n)
	}
	got := e.applied(t, b.ID)
	if got.Summary.Duplicate != 1 || got.Summary.Accepted != 0 {
		t.Errorf("summary = %+v, want the record a duplicate", got.Summary)
	}
	var rows int
	if err := e.db.SQL().QueryRowContext(context.Background(), `SELECT count(*) FROM hub_inbox_batches`).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("%d batches recorded (%v), want 1", rows, err)
	}
	if c := e.cursor(t); c != seq {
		t.Errorf("cursor = %d, want %d", c, seq)
	}
	if _, acks := e.hub.asked(); !slices.Equal(acks, []int64{seq}) {
		t.Errorf("acks = %v, want [%d]", acks, seq)
	}
}

// Without a trust list nothing can be verified: the batches wait.
func TestHubReceiveWithoutList(t *testing.T) {
	e := newInboxEnv(t)
	e.receiver.Client = &node.HubClient{URL: e.hub.srv.URL, Token: inboxToken, HubKey: e.hub.pub, Region: region,
		DataDir: t.TempDir(), HTTP: e.hub.srv.Client(), Now: e.clock.Now}
	e.send(t, e.key, e.newBatch())
	err := e.receiver.Receive(context.Background())
	wantCode(t, err, healthcode.EUNAVAILABLE)
	if c := e.cursor(t); c != 0 {
		t.Errorf("cursor = %d, want 0", c)
	}
}

// crashOnBatch fails RecordInboxBatch for one batch id, once, as a node
// that stopped between the batch's import and its record.
type crashOnBatch struct {
	healthcode.InboxStore
	mu       sync.Mutex
	id       string
	recorded []string // ids recorded, in order
}

func (s *crashOnBatch) RecordInboxBatch(ctx context.Context, b *healthcode.InboxBatch) (bool, error) {
	s.mu.Lock()
	crash := b.ID == s.id
	if crash {
		s.id = ""
	} else {
		s.recorded = append(s.recorded, b.ID)
	}
	s.mu.Unlock()
	if crash {
		return false, healthcode.Errorf(healthcode.EUNAVAILABLE, "crash")
	}
	return s.InboxStore.RecordInboxBatch(ctx, b)
}

// Pages are read ahead while one is applied, but applied in seq order:
// when a batch of the second page fails, the pages read after it are not
// applied, the cursor stays before it, and the next round applies it and
// the rest once each, in order.
func TestHubReceiveReadAheadKeepsOrder(t *testing.T) {
	e := newInboxEnv(t)
	id := e.readyCitizen(t)
	e.receiver.Limit = 2
	var ids []string
	for i := range 7 {
		b := e.newBatch(contactBySubject(sender+"/ra-"+strconv.Itoa(i), e.subject(t, id), "companion", e.clock.Now().Add(-time.Hour)))
		e.send(t, e.key, b)
		ids = append(ids, b.ID)
	}
	store := &crashOnBatch{InboxStore: e.db, id: ids[3]}
	e.receiver.Store = store
	if err := e.receiver.Receive(context.Background()); err == nil {
		t.Fatal("Receive with a failing batch succeeded")
	}
	if c := e.cursor(t); c != 3 {
		t.Fatalf("cursor = %d, want 3 (the batch before the failing one)", c)
	}
	if _, acks := e.hub.asked(); !slices.Equal(acks, []int64{2}) {
		t.Fatalf("acks = %v, want [2]", acks)
	}
	for _, id := range ids[4:] {
		e.notApplied(t, id)
	}
	e.clock.Add(time.Minute)
	e.receive(t)
	if !slices.Equal(store.recorded, ids) {
		t.Errorf("recorded %v, want %v", store.recorded, ids)
	}
	for i, id := range ids {
		e.applied(t, id)
		if n := e.stored(t, "contacts", sender+"/ra-"+strconv.Itoa(i)); n != 1 {
			t.Errorf("contact %d stored %d times", i, n)
		}
	}
	if c := e.cursor(t); c != 7 {
		t.Errorf("cursor = %d, want 7", c)
	}
}

// The receiver starts one recompute for many batches, not one for each
// import: at the first round that finds nothing new, and whenever
// RecomputeEvery records were stored since the last (checked after each
// page).
func TestHubReceiveRecomputesOnceARound(t *testing.T) {
	e := newInboxEnv(t)
	id := e.readyCitizen(t)
	started := &startedRecomputes{}
	e.receiver.Import = e.importing(started)
	e.receiver.Limit = 2
	send := func(from, n int) {
		for i := from; i < from+n; i++ {
			e.send(t, e.key, e.newBatch(contactBySubject(sender+"/r-"+strconv.Itoa(i), e.subject(t, id), "companion", e.clock.Now().Add(-time.Hour))))
		}
	}
	send(0, 5)
	e.receive(t)
	send(5, 1)
	e.receive(t)
	if len(started.reasons) != 0 {
		t.Fatalf("recomputes started %v while batches kept coming", started.reasons)
	}
	e.receive(t) // nothing new: the recompute of the six
	if !slices.Equal(started.reasons, []string{"hub batches"}) {
		t.Fatalf("recomputes started %v, want one", started.reasons)
	}
	e.receive(t) // nothing stored since: none
	if len(started.reasons) != 1 {
		t.Fatalf("recomputes started %v after an empty round", started.reasons)
	}
	e.receiver.RecomputeEvery = 2
	send(6, 5) // pages of 2, 2 and 1 records
	e.receive(t)
	if len(started.reasons) != 1+2 {
		t.Errorf("recomputes started %v, want one after each of the two full pages", started.reasons)
	}
	e.receive(t)
	if len(started.reasons) != 1+3 {
		t.Errorf("recomputes started %v, want one more for the last record", started.reasons)
	}
	if st, err := e.citizens.Status(context.Background(), id); err != nil || st.Colour == healthcode.Green {
		t.Errorf("status %v (%v): the contacts were not applied", st, err)
	}
}
