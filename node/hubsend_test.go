package node_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/prometheus/client_golang/prometheus"
)

// batchHub takes POST /hub/v1/batches as the contract says: a peer token,
// a JWS verified with the sending node's public key, the same id with the
// same payload again a duplicate (200), with another a conflict (409). It
// can fail the next posts with a status of the test's choosing.
type batchHub struct {
	t   *testing.T
	srv *httptest.Server
	pub ed25519.PublicKey // the node's

	mu      sync.Mutex
	fail    []int               // statuses answered to the next posts, in turn (0: as usual)
	posts   []string            // ids posted, each try
	kids    []string            // the kid header of each try
	batches map[string][]byte   // id → payload, as stored
	records map[string][]string // id → record ids
}

// sentBatch is the payload the fake hub reads.
type sentBatch struct {
	ID       string            `json:"id"`
	From     string            `json:"from"`
	To       string            `json:"to"`
	IssuedAt time.Time         `json:"issued_at"`
	Records  []json.RawMessage `json:"records"`
}

func newBatchHub(t *testing.T, pub ed25519.PublicKey) *batchHub {
	h := &batchHub{t: t, pub: pub, batches: map[string][]byte{}, records: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hub/v1/batches", h.post)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *batchHub) failNext(statuses ...int) {
	h.mu.Lock()
	h.fail = append(h.fail, statuses...)
	h.mu.Unlock()
}

func (h *batchHub) post(w http.ResponseWriter, r *http.Request) {
	answer := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	refuse := func(status int, code, msg string) {
		answer(status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
	}
	var body struct {
		Signed string `json:"signed"`
	}
	if r.Header.Get("Authorization") != "Bearer "+hubToken {
		refuse(http.StatusUnauthorized, "unauthorized", "no peer token")
		return
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		refuse(http.StatusBadRequest, "invalid", "not JSON")
		return
	}
	obj, err := jose.ParseSigned(body.Signed, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		refuse(http.StatusBadRequest, "invalid", err.Error())
		return
	}
	payload, err := obj.Verify(h.pub)
	if err != nil {
		refuse(http.StatusForbidden, "forbidden", "the signature does not hold")
		return
	}
	var b sentBatch
	if err := json.Unmarshal(payload, &b); err != nil {
		refuse(http.StatusBadRequest, "invalid", err.Error())
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.posts = append(h.posts, b.ID)
	h.kids = append(h.kids, obj.Signatures[0].Header.KeyID)
	if len(h.fail) > 0 {
		status := h.fail[0]
		h.fail = h.fail[1:]
		if status != 0 { // 0: this post is answered as usual
			refuse(status, "test", fmt.Sprintf("failed with %d as asked", status))
			return
		}
	}
	switch held, ok := h.batches[b.ID]; {
	case ok && bytes.Equal(held, payload):
		answer(http.StatusOK, map[string]any{"id": b.ID, "seq": 1, "duplicate": true})
		return
	case ok:
		refuse(http.StatusConflict, "conflict", "batch "+b.ID+" was stored with other content")
		return
	}
	if b.From != region || len(b.Records) > node.DefaultHubBatchSize || len(b.ID) != 32 || b.IssuedAt.IsZero() {
		refuse(http.StatusBadRequest, "invalid", "bad batch")
		return
	}
	for _, raw := range b.Records {
		var rec struct {
			ID string `json:"id"`
		}
		json.Unmarshal(raw, &rec)
		h.records[b.ID] = append(h.records[b.ID], b.To+" "+rec.ID)
	}
	h.batches[b.ID] = payload
	answer(http.StatusCreated, map[string]any{"id": b.ID, "seq": len(h.batches)})
}

// stored returns the record ids of every batch stored, by batch id, and
// the ids posted, each try.
func (h *batchHub) stored() (map[string][]string, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][]string{}
	for id, recs := range h.records {
		out[id] = append([]string(nil), recs...)
	}
	return out, append([]string(nil), h.posts...)
}

// senderEnv is a node with records queued and a sender to a fake hub.
type senderEnv struct {
	*env
	hub *batchHub
	reg *prometheus.Registry
	log *bytes.Buffer
}

func newSenderEnv(t *testing.T) *senderEnv {
	t.Helper()
	e := newEnv(t)
	keys, err := e.keys.Keys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &senderEnv{env: e, hub: newBatchHub(t, ed25519.PublicKey(keys[0].PublicKey)), reg: prometheus.NewRegistry(), log: &bytes.Buffer{}}
}

func (e *senderEnv) sender(store healthcode.OutboxStore, size int) *node.HubSender {
	c := &node.HubClient{URL: e.hub.srv.URL, Token: hubToken, Region: region, Keys: e.keys,
		HTTP: e.hub.srv.Client(), Now: e.clock.Now}
	return &node.HubSender{Client: c, Store: store, BatchSize: size, Now: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(e.log, nil)), Metrics: node.NewHubSendMetrics(e.reg)}
}

// queue queues n contacts records for to, named to-0, to-1, ….
func (e *senderEnv) queue(t *testing.T, to string, n int) {
	t.Helper()
	var recs []*healthcode.OutboxRecord
	for i := range n {
		id := fmt.Sprintf("%s/%s-%d", region, to, i)
		row, _ := json.Marshal(map[string]string{"record_kind": "contacts", "id": id, "subject": strings.Repeat("0f", 16),
			"degree": "close", "last_exposure": "2026-11-19T08:00:00Z"})
		recs = append(recs, &healthcode.OutboxRecord{To: to, Kind: healthcode.KindContacts, ID: id, Row: row})
	}
	if _, err := e.db.QueueOutbox(context.Background(), recs, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
}

func (e *senderEnv) unsent(t *testing.T) int64 {
	t.Helper()
	n, err := e.db.OutboxUnsent(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// sentCount reads healthcode_hub_batches_total{direction="sent",result}.
func (e *senderEnv) sentCount(t *testing.T, result string) float64 {
	t.Helper()
	return metric(t, e.reg, "healthcode_hub_batches_total", result)
}

// TestHubSenderPacksBatches: each region's records go in batches of at
// most BatchSize, signed with the node's key, every record once; all are
// marked sent and a second round posts nothing.
func TestHubSenderPacksBatches(t *testing.T) {
	e := newSenderEnv(t)
	e.queue(t, "CN-440100", 12)
	e.queue(t, "CN-110100", 3)
	s := e.sender(e.db, 5)
	if err := s.Send(context.Background()); err != nil {
		t.Fatal(err)
	}
	batches, posts := e.hub.stored()
	if len(batches) != 4 || len(posts) != 4 {
		t.Fatalf("%d batches stored from %d posts, want 4 (5+5+2 and 3)", len(batches), len(posts))
	}
	seen := map[string]bool{}
	sizes := map[string][]int{}
	for _, id := range posts {
		recs := batches[id]
		if len(recs) > 5 {
			t.Errorf("batch %s carries %d records", id, len(recs))
		}
		to := strings.Fields(recs[0])[0]
		sizes[to] = append(sizes[to], len(recs))
		for _, r := range recs {
			if seen[r] {
				t.Errorf("record %s sent twice", r)
			}
			seen[r] = true
			if !strings.HasPrefix(r, to+" "+region+"/"+to+"-") {
				t.Errorf("record %s in a batch to %s", r, to)
			}
		}
	}
	for _, s := range sizes {
		slices.Sort(s) // posts in flight are answered in any order
	}
	if fmt.Sprint(sizes) != "map[CN-110100:[3] CN-440100:[2 5 5]]" || len(seen) != 15 {
		t.Errorf("batch sizes %v, %d records", sizes, len(seen))
	}
	if n := e.unsent(t); n != 0 {
		t.Errorf("%d records unsent", n)
	}
	if ok, gauge := e.sentCount(t, node.HubOK), metric(t, e.reg, "healthcode_hub_outbox_records", ""); ok != 4 || gauge != 0 {
		t.Errorf("sent ok %v, outbox gauge %v", ok, gauge)
	}
	if err := s.Send(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, again := e.hub.stored(); len(again) != 4 {
		t.Errorf("a second round posted %d more", len(again)-4)
	}
}

// TestHubSenderResendsAfterFailure: a batch the hub failed on (500), or
// could not be posted because the sender stopped right after packing it,
// goes again the very same: the same id and body, one batch at the hub.
func TestHubSenderResendsAfterFailure(t *testing.T) {
	t.Run("hub error", func(t *testing.T) {
		e := newSenderEnv(t)
		e.queue(t, "CN-440100", 7)
		e.hub.failNext(http.StatusInternalServerError)
		s := e.sender(e.db, 5)
		s.InFlight = 1 // one post at a time: the round stops at the first
		err := s.Send(context.Background())
		wantCode(t, err, healthcode.EUNAVAILABLE)
		if n, gauge := e.unsent(t), metric(t, e.reg, "healthcode_hub_outbox_records", ""); n != 7 || gauge != 7 {
			t.Fatalf("unsent %d, gauge %v; want 7", n, gauge)
		}
		packed, err := e.db.UnsentOutboxBatches(context.Background())
		if err != nil || len(packed) != 1 || packed[0].Records != 5 {
			t.Fatalf("packed %+v, %v: want the first batch alone (the round stops at the failure)", packed, err)
		}
		e.clock.Add(time.Minute)
		if err := s.Send(context.Background()); err != nil {
			t.Fatal(err)
		}
		batches, posts := e.hub.stored()
		if len(posts) != 3 || posts[0] != packed[0].ID || posts[1] != packed[0].ID || len(batches) != 2 || len(batches[packed[0].ID]) != 5 {
			t.Errorf("posts %v, stored %v: want %s twice, then the rest", posts, batches, packed[0].ID)
		}
		if e.unsent(t) != 0 || e.sentCount(t, node.HubUnreachable) != 1 || e.sentCount(t, node.HubOK) != 2 {
			t.Errorf("unsent %d, unreachable %v, ok %v", e.unsent(t), e.sentCount(t, node.HubUnreachable), e.sentCount(t, node.HubOK))
		}
	})
	t.Run("stopped after packing", func(t *testing.T) {
		e := newSenderEnv(t)
		e.queue(t, "CN-440100", 3)
		crash := &crashAfterPack{OutboxStore: e.db}
		if err := e.sender(crash, 0).Send(context.Background()); err == nil {
			t.Fatal("the crashed sender reported success")
		}
		if _, posts := e.hub.stored(); len(posts) != 0 {
			t.Fatalf("posted %v before the crash", posts)
		}
		// A new process, its metrics on a registry of its own.
		e.reg = prometheus.NewRegistry()
		if err := e.sender(e.db, 0).Send(context.Background()); err != nil {
			t.Fatal(err)
		}
		batches, posts := e.hub.stored()
		if len(posts) != 1 || posts[0] != crash.id || len(batches[crash.id]) != 3 || e.unsent(t) != 0 {
			t.Errorf("posts %v, stored %v, want the batch packed before the crash (%s)", posts, batches, crash.id)
		}
	})
	t.Run("hub had it", func(t *testing.T) {
		// The hub stored the batch but its answer was lost: the retry is a
		// duplicate, and marks the records sent.
		e := newSenderEnv(t)
		e.queue(t, "CN-440100", 2)
		crash := &crashAfterPack{OutboxStore: e.db, failMark: true}
		wantCode(t, e.sender(crash, 0).Send(context.Background()), healthcode.EINTERNAL)
		if _, posts := e.hub.stored(); len(posts) != 1 || e.unsent(t) != 2 {
			t.Fatalf("posts %v, unsent %d", posts, e.unsent(t))
		}
		e.reg = prometheus.NewRegistry()
		if err := e.sender(e.db, 0).Send(context.Background()); err != nil {
			t.Fatal(err)
		}
		batches, posts := e.hub.stored()
		if len(posts) != 2 || posts[0] != posts[1] || len(batches) != 1 || e.unsent(t) != 0 || e.sentCount(t, node.BatchDuplicate) != 1 {
			t.Errorf("posts %v, %d stored, unsent %d", posts, len(batches), e.unsent(t))
		}
	})
}

// TestHubSenderPipelined: with several posts in flight and one of them
// failing, the round stops packing; what was packed and not taken goes
// again next round under the same id, and every record reaches the hub
// in exactly one batch.
func TestHubSenderPipelined(t *testing.T) {
	e := newSenderEnv(t)
	e.queue(t, "CN-440100", 41)
	e.queue(t, "CN-110100", 9)
	e.hub.failNext(0, 0, http.StatusBadGateway) // the third post fails
	s := e.sender(e.db, 2)
	s.InFlight = 3
	wantCode(t, s.Send(context.Background()), healthcode.EUNAVAILABLE)
	packed, err := e.db.UnsentOutboxBatches(context.Background())
	if err != nil || len(packed) == 0 {
		t.Fatalf("packed and unsent after the failure: %d, %v", len(packed), err)
	}
	if n := e.unsent(t); n == 0 || n == 50 {
		t.Fatalf("%d records unsent after a round with one failure", n)
	}
	e.clock.Add(time.Minute)
	if err := s.Send(context.Background()); err != nil {
		t.Fatal(err)
	}
	batches, posts := e.hub.stored()
	seen := map[string]string{}
	for id, recs := range batches {
		for _, r := range recs {
			if other, ok := seen[r]; ok {
				t.Errorf("record %s in batches %s and %s", r, other, id)
			}
			seen[r] = id
		}
	}
	if len(seen) != 50 || len(batches) != 21+5 || e.unsent(t) != 0 {
		t.Errorf("%d records in %d batches from %d posts, %d unsent", len(seen), len(batches), len(posts), e.unsent(t))
	}
	for _, b := range packed {
		if _, ok := batches[b.ID]; !ok {
			t.Errorf("batch %s, packed before the failure, was not sent as it was", b.ID)
		}
	}
}

// crashAfterPack is a store whose sender dies right after packing (or,
// with failMark, after posting): it returns an error once the batch is
// stored.
type crashAfterPack struct {
	healthcode.OutboxStore
	failMark bool
	id       string
}

func (c *crashAfterPack) PackOutbox(ctx context.Context, b *healthcode.OutboxBatch, seqs []int64) error {
	if err := c.OutboxStore.PackOutbox(ctx, b, seqs); err != nil {
		return err
	}
	c.id = b.ID
	if c.failMark {
		return nil
	}
	return healthcode.Errorf(healthcode.EINTERNAL, "crash")
}

func (c *crashAfterPack) MarkOutboxSent(ctx context.Context, id string, at time.Time) error {
	if c.failMark {
		return healthcode.Errorf(healthcode.EINTERNAL, "crash")
	}
	return c.OutboxStore.MarkOutboxSent(ctx, id, at)
}

// TestHubSenderRefused: a batch the hub refuses is logged with the hub's
// message and left unsent, while the other regions' batches go; it goes
// again after a backoff that doubles with each refusal, and at ParkAfter
// refusals it is parked: logged as an error naming the requeue, counted
// by the parked gauge, never posted again by itself, while the region's
// later batches still go. Requeued, it goes at the next round and is
// marked sent.
func TestHubSenderRefused(t *testing.T) {
	e := newSenderEnv(t)
	ctx := context.Background()
	e.queue(t, "CN-110100", 2)
	e.queue(t, "CN-440100", 2)
	e.hub.failNext(http.StatusConflict)
	s := e.sender(e.db, 0)
	s.InFlight = 1 // CN-110100's batch is posted first, and refused
	s.ParkAfter, s.RefusalBackoff = 3, time.Minute
	send := func(what string, wantPosts int) {
		t.Helper()
		if err := s.Send(ctx); err != nil {
			t.Fatalf("%s: a refusal ended the round: %v", what, err)
		}
		if _, posts := e.hub.stored(); len(posts) != wantPosts {
			t.Fatalf("%s: %d posts, want %d: %v", what, len(posts), wantPosts, posts)
		}
	}
	send("first round", 2)
	if e.unsent(t) != 2 || e.sentCount(t, node.HubRefused) != 1 || e.sentCount(t, node.HubOK) != 1 {
		t.Fatalf("unsent %d, refused %v, ok %v", e.unsent(t), e.sentCount(t, node.HubRefused), e.sentCount(t, node.HubOK))
	}
	if log := e.log.String(); !strings.Contains(log, "batch refused") || !strings.Contains(log, "failed with 409 as asked") ||
		strings.Contains(log, "level=ERROR") {
		t.Errorf("log does not carry the hub's message, or is an error before the park:\n%s", log)
	}
	_, posts := e.hub.stored()
	refused := posts[0]
	unsent, err := e.db.UnsentOutboxBatches(ctx)
	if err != nil || len(unsent) != 1 || unsent[0].ID != refused || unsent[0].Refusals != 1 ||
		unsent[0].LastRefusal.Status != http.StatusConflict || unsent[0].LastRefusal.Code != "test" ||
		unsent[0].LastRefusal.Message != "failed with 409 as asked" || !unsent[0].LastRefusal.At.Equal(e.clock.Now()) {
		t.Fatalf("the refused batch as stored: %+v, %v", unsent, err)
	}

	send("within the first backoff", 2)
	e.clock.Add(time.Minute)
	e.hub.failNext(http.StatusForbidden)
	send("after the first backoff", 3) // refused again: 2 of 3
	e.clock.Add(time.Minute)
	send("within the second backoff, doubled", 3)
	e.clock.Add(time.Minute)
	if parkedGauge(t, e.reg, "CN-110100") != 0 {
		t.Error("parked gauge set before the park")
	}
	e.hub.failNext(http.StatusForbidden)
	send("after the second backoff", 4) // the third refusal parks it
	if _, posts := e.hub.stored(); posts[2] != refused || posts[3] != refused {
		t.Fatalf("posts %v: the retries are not of the refused batch %s", posts, refused)
	}
	log := e.log.String()
	if !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "parked") ||
		!strings.Contains(log, "healthcode outbox requeue "+refused) || !strings.Contains(log, "refusals=3") {
		t.Errorf("the park is not logged as an error naming the requeue:\n%s", log)
	}
	if g := parkedGauge(t, e.reg, "CN-110100"); g != 1 || e.sentCount(t, node.HubRefused) != 3 {
		t.Errorf("parked gauge %v, refused %v", g, e.sentCount(t, node.HubRefused))
	}

	// Parked: not posted again, however long; the region's later
	// records go.
	e.queue(t, "CN-110100", 5) // -0 and -1 are queued already: 3 new

	e.clock.Add(3 * time.Hour)
	send("with a batch parked", 5)
	send("again with a batch parked", 5)
	batches, posts := e.hub.stored()
	if later := posts[4]; later == refused || len(batches[later]) != 3 || !strings.HasPrefix(batches[later][0], "CN-110100 ") {
		t.Errorf("the region's later batch %s: %v", later, batches[later])
	}
	if n := e.unsent(t); n != 2 {
		t.Errorf("unsent %d, want the parked batch's 2", n)
	}

	if err := e.db.RequeueOutboxBatch(ctx, refused); err != nil {
		t.Fatal(err)
	}
	send("after the requeue", 6)
	batches, posts = e.hub.stored()
	if posts[5] != refused || len(batches[refused]) != 2 || e.unsent(t) != 0 {
		t.Errorf("after the requeue: posts %v, stored %v, unsent %d", posts, batches[refused], e.unsent(t))
	}
	if unsent, err := e.db.UnsentOutboxBatches(ctx); err != nil || len(unsent) != 0 {
		t.Errorf("unsent batches after the requeue: %d, %v", len(unsent), err)
	}
	if g := parkedGauge(t, e.reg, "CN-110100"); g != 0 {
		t.Errorf("parked gauge %v after the requeue", g)
	}
}

// TestHubSenderRefusalMessage: of a 400 naming several fields, the
// refusal keeps each field's reason (the message alone says "invalid
// input"); a 429 is the hub busy and a 401 the node's token (as a 403
// naming "from", the token of another region), none a refusal of the
// batch: the round stops and the batch is not counted refused (nor,
// after many of them, parked).
func TestHubSenderRefusalMessage(t *testing.T) {
	e := newSenderEnv(t)
	ctx := context.Background()
	fields := map[string]string{"records[0].id": "must be the sending region", "to": "is not a region of the hub"}
	var busy, badToken, otherRegion atomic.Bool
	busy.Store(true)
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if badToken.Load() {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": "unauthorized", "message": "unknown token"}})
			return
		}
		if otherRegion.Load() { // as hub.AcceptBatch answers a token of another region
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": "forbidden",
				"message": "the batch is from CN-330100, but this peer token acts for CN-440100", "fields": map[string]string{"from": "not the region of this peer token, CN-440100"}}})
			return
		}
		if busy.Load() {
			w.WriteHeader(http.StatusTooManyRequests)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": "rate_limited", "message": "slow down"}})
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": "invalid", "message": "invalid input", "fields": fields}})
	}))
	t.Cleanup(hub.Close)
	e.queue(t, "CN-440100", 1)
	s := e.sender(e.db, 0)
	s.Client.URL, s.Client.HTTP = hub.URL, hub.Client()
	wantCode(t, s.Send(ctx), healthcode.EUNAVAILABLE)
	unsent, err := e.db.UnsentOutboxBatches(ctx)
	if err != nil || len(unsent) != 1 || unsent[0].Refusals != 0 || e.sentCount(t, node.HubRefused) != 0 {
		t.Fatalf("after a 429: %+v, %v, refused %v", unsent, err, e.sentCount(t, node.HubRefused))
	}
	// A token the hub does not take stops the round; it is no refusal
	// of the batch, which would park every batch in turn.
	badToken.Store(true)
	for range node.DefaultHubParkAfter + 1 {
		wantCode(t, s.Send(ctx), healthcode.EUNAUTHORIZED)
	}
	unsent, err = e.db.UnsentOutboxBatches(ctx)
	if err != nil || len(unsent) != 1 || unsent[0].Refusals != 0 || !unsent[0].ParkedAt.IsZero() {
		t.Fatalf("after 401s: %+v, %v", unsent, err)
	}
	// Another region's token: the same, a 403 naming "from".
	badToken.Store(false)
	otherRegion.Store(true)
	for range node.DefaultHubParkAfter + 1 {
		err := s.Send(ctx)
		wantCode(t, err, healthcode.EFORBIDDEN)
		if !strings.Contains(err.Error(), "--hub-token") {
			t.Errorf("error %q does not name --hub-token", err)
		}
	}
	unsent, err = e.db.UnsentOutboxBatches(ctx)
	if err != nil || len(unsent) != 1 || unsent[0].Refusals != 0 || !unsent[0].ParkedAt.IsZero() {
		t.Fatalf("after 403s of another region's token: %+v, %v", unsent, err)
	}
	otherRegion.Store(false)
	busy.Store(false)
	if err := s.Send(ctx); err != nil {
		t.Fatal(err)
	}
	unsent, _ = e.db.UnsentOutboxBatches(ctx)
	want := "invalid input (records[0].id: must be the sending region; to: is not a region of the hub)"
	if len(unsent) != 1 || unsent[0].Refusals != 1 || unsent[0].LastRefusal.Code != "invalid" || unsent[0].LastRefusal.Message != want {
		t.Errorf("refusal %+v, want message %q", unsent[0].LastRefusal, want)
	}
}

// parkedGauge reads healthcode_hub_outbox_parked_batches{to}; 0 when
// there is no series.
func parkedGauge(t *testing.T, reg *prometheus.Registry, to string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "healthcode_hub_outbox_parked_batches" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "to" && l.GetValue() == to {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return 0
}

// TestHubSenderSignsWithTheKeyID: the JWS names the node's key by its kid,
// as the trust list does, so the hub and the receiving region find it.
func TestHubSenderSignsWithTheKeyID(t *testing.T) {
	e := newSenderEnv(t)
	e.queue(t, "CN-440100", 1)
	if err := e.sender(e.db, 0).Send(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys, _ := e.keys.Keys(context.Background())
	e.hub.mu.Lock()
	defer e.hub.mu.Unlock()
	if len(e.hub.kids) != 1 || e.hub.kids[0] != base64.StdEncoding.EncodeToString(keys[0].KID) {
		t.Errorf("kids %q, want the key's", e.hub.kids)
	}
}

// TestHubSenderRun sends at once, then each interval, until stopped.
func TestHubSenderRun(t *testing.T) {
	e := newSenderEnv(t)
	e.queue(t, "CN-440100", 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.sender(e.db, 0).Run(ctx, time.Hour); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for e.unsent(t) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not send at once")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}

// TestHubBatchMetricsShared: the sender and the receiver count in one
// family, whichever registers first.
func TestHubBatchMetricsShared(t *testing.T) {
	for _, senderFirst := range []bool{true, false} {
		reg := prometheus.NewRegistry()
		if senderFirst {
			node.NewHubSendMetrics(reg)
			node.NewHubReceiveMetrics(reg)
		} else {
			node.NewHubReceiveMetrics(reg)
			node.NewHubSendMetrics(reg)
		}
		if labelled(t, reg, "healthcode_hub_batches_total", "direction", "sent") != 0 {
			t.Error("counts before any batch")
		}
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		directions := map[string]bool{}
		for _, mf := range mfs {
			if mf.GetName() == "healthcode_hub_batches_total" {
				for _, m := range mf.GetMetric() {
					for _, l := range m.GetLabel() {
						if l.GetName() == "direction" {
							directions[l.GetValue()] = true
						}
					}
				}
			}
		}
		if !directions["sent"] || !directions["received"] {
			t.Errorf("sender first %v: directions %v", senderFirst, directions)
		}
	}
}
