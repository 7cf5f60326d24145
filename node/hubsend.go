package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
)

// HubSender is the node's outbox sender (docs/federation.md, "Node side"):
// it packs the records queued for other regions into batches signed with
// the region's key and posts them to the hub.
//
// A batch is stored, body and all, on its records before it is first
// posted: after a failed post or a crash the very same batch goes again,
// which the hub takes for a duplicate if it had it already. Records are
// marked sent once the hub answers 2xx.
//
// A batch the hub refuses (4xx) is posted again after a backoff that
// doubles with each refusal, as a refusal may pass (the hub's list not yet
// holding a key just rotated); after ParkAfter refusals it is parked, not
// posted again until an operator requeues it (`healthcode outbox
// requeue`) or drops it with its records (`healthcode outbox drop`).
// Neither holds back the region's other batches.
type HubSender struct {
	Client    *HubClient // the hub, the peer token and the signing keys
	Store     healthcode.OutboxStore
	BatchSize int // records a batch at most; 0 or more than DefaultHubBatchSize: DefaultHubBatchSize
	// InFlight is the most batches posted at once while the next is
	// packed; 0: DefaultHubInFlight, 1: one after the other.
	InFlight int
	// Retention is how long batches the hub took are kept, with their
	// records, before they are purged; 0: DefaultOutboxRetention.
	Retention time.Duration
	// ParkAfter is the refusals after which a batch is parked; 0:
	// DefaultHubParkAfter.
	ParkAfter int
	// RefusalBackoff is how long a batch refused once waits before it is
	// posted again, doubled at each refusal since up to MaxRefusalBackoff;
	// 0: DefaultRefusalBackoff.
	RefusalBackoff time.Duration
	Now            func() time.Time
	Logger         *slog.Logger
	Metrics        *HubSendMetrics

	lastPurge time.Time
}

// DefaultOutboxRetention is how long a sent batch is kept: a week, to
// answer what was sent where, then it is the receiving region's to keep.
const DefaultOutboxRetention = 7 * 24 * time.Hour

// DefaultHubParkAfter is the refusals after which a batch is parked, by
// default: with DefaultRefusalBackoff, a quarter of an hour of refusals
// (1+2+4+8 minutes), three of the hub's key and list refreshes, time for
// what lags (a key just published, a region just registered) to catch up.
const DefaultHubParkAfter = 5

// DefaultRefusalBackoff is the wait after a batch's first refusal, by
// default: short, as the commonest refusal is a node's first batches
// posted before its first key set reached the hub. MaxRefusalBackoff
// bounds the doubled waits after.
const (
	DefaultRefusalBackoff = time.Minute
	MaxRefusalBackoff     = time.Hour
)

// purgeEvery is how often Run purges sent batches.
const purgeEvery = time.Hour

// DefaultHubBatchSize is the most records a batch carries, the contract's
// limit.
const DefaultHubBatchSize = 5000

// DefaultHubInFlight is the batches a sender has posted and not yet
// answered, by default: the hub checks and stores one while the node
// packs and signs the next.
const DefaultHubInFlight = 3

// maxBatchPayload bounds the JSON of a batch's records, so that its JWS
// (base64, a third larger) stays under the hub's 16 MiB.
const maxBatchPayload = 11 << 20

// hubBatch is the signed payload of POST /hub/v1/batches.
type hubBatch struct {
	ID       string            `json:"id"`
	From     string            `json:"from"`
	To       string            `json:"to"`
	IssuedAt time.Time         `json:"issued_at"`
	Records  []json.RawMessage `json:"records"`
}

// Run sends at once and then every interval, until ctx ends. A failure is
// logged; what was not sent goes at the next round.
func (s *HubSender) Run(ctx context.Context, interval time.Duration) {
	failures := newFailureLog(s.log(), s.now, "hub: outbox not sent", "hub: outbox sent again", "hub", s.Client.URL)
	every(ctx, interval, true, func() {
		if err := s.Send(ctx); ctx.Err() == nil {
			failures.report(ctx, err)
		}
		if now := s.now(); now.Sub(s.lastPurge) >= purgeEvery {
			s.lastPurge = now
			if err := s.Purge(ctx); err != nil && ctx.Err() == nil {
				s.log().WarnContext(ctx, "hub: sent outbox not purged", "err", err)
			}
		}
	})
}

// Send posts the batches packed earlier and not sent that are due (not
// parked, past a refusal's backoff), then packs and posts each region's
// queued records. A batch the hub refuses is logged and left to go again
// after its backoff, or parked; when the hub cannot be reached, Send stops
// packing and returns the error once the posts in flight are answered.
//
// Up to InFlight batches are posted at once while the next is packed.
// Each is stored on its records before its first post and marked sent on
// its own 2xx, so the order the hub answers in changes nothing: a batch
// whose post failed stays packed and goes again, the same, next round.
func (s *HubSender) Send(ctx context.Context) error {
	defer s.count(ctx)
	p := s.newPoster(ctx)
	err := s.queueAll(ctx, p)
	if perr := p.wait(); perr != nil {
		return perr
	}
	return err
}

// queueAll hands the batches packed earlier to p, then packs each region's
// queued records.
func (s *HubSender) queueAll(ctx context.Context, p *poster) error {
	unsent, err := s.Store.DueOutboxBatches(ctx, s.now())
	if err != nil {
		return err
	}
	for _, b := range unsent {
		if !p.post(b) {
			return nil
		}
	}
	regions, err := s.Store.OutboxRegions(ctx)
	if err != nil {
		return err
	}
	for _, to := range regions {
		if err := s.sendRegion(ctx, p, to); err != nil {
			return err
		}
	}
	return nil
}

// sendRegion packs the queued records of one region, a batch at a time,
// and hands each to p.
func (s *HubSender) sendRegion(ctx context.Context, p *poster, to string) error {
	size := s.batchSize()
	for {
		if p.failed() {
			return nil
		}
		recs, err := s.Store.UnpackedOutbox(ctx, to, size)
		if err != nil || len(recs) == 0 {
			return err
		}
		b, err := s.pack(ctx, to, recs)
		if healthcode.ErrorCode(err) == healthcode.ECONFLICT {
			// Another node sharing the store packed them first; it sends
			// them.
			s.log().InfoContext(ctx, "hub: outbox records packed by another sender", "to", to, "err", err)
			return nil
		} else if err != nil {
			s.Metrics.sent(BatchFailed)
			return err
		}
		if !p.post(b) {
			return nil
		}
		if len(recs) < size && b.Records == len(recs) {
			return nil
		}
	}
}

// poster posts batches with up to InFlight posts at once. After the first
// post that fails it posts no more: the batches handed to it then stay
// packed for the next round.
type poster struct {
	s     *HubSender
	ctx   context.Context
	queue chan *healthcode.OutboxBatch
	wg    sync.WaitGroup
	mu    sync.Mutex
	err   error
	stop  chan struct{} // closed on the first failure
}

func (s *HubSender) newPoster(ctx context.Context) *poster {
	p := &poster{s: s, ctx: ctx, stop: make(chan struct{})}
	n := s.inFlight()
	if n == 1 {
		return p // posts in the caller: nothing is packed while a post is out
	}
	p.queue = make(chan *healthcode.OutboxBatch)
	for range n {
		p.wg.Go(func() {
			for b := range p.queue {
				if p.failed() {
					continue
				}
				if err := s.post(ctx, b); err != nil {
					p.fail(err)
				}
			}
		})
	}
	return p
}

// post hands b to a free poster and reports true, or false when a post
// failed and the round is over.
func (p *poster) post(b *healthcode.OutboxBatch) bool {
	if p.queue == nil {
		if p.failed() {
			return false
		}
		if err := p.s.post(p.ctx, b); err != nil {
			p.fail(err)
			return false
		}
		return true
	}
	select {
	case p.queue <- b:
		return true
	case <-p.stop:
		return false
	}
}

func (p *poster) failed() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

func (p *poster) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
		close(p.stop)
	}
}

// wait waits for the posts in flight and returns the first failure.
func (p *poster) wait() error {
	if p.queue != nil {
		close(p.queue)
	}
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// pack signs a batch of the first of recs (at most maxBatchPayload of
// them) and stores it on them before it is posted.
func (s *HubSender) pack(ctx context.Context, to string, recs []*healthcode.OutboxRecord) (*healthcode.OutboxBatch, error) {
	now := s.now()
	id := newBatchID()
	seqs := make([]int64, 0, len(recs))
	total := 0
	for _, r := range recs {
		if total += len(r.Row) + 1; total > maxBatchPayload && len(seqs) > 0 {
			break
		}
		seqs = append(seqs, r.Seq)
	}
	payload, err := batchPayload(id, s.Client.Region, to, now, recs[:len(seqs)], total)
	if err != nil {
		return nil, err
	}
	signed, err := s.Client.signForHub(ctx, payload)
	if err != nil {
		return nil, err
	}
	b := &healthcode.OutboxBatch{ID: id, To: to, Signed: signed, Records: len(seqs), CreatedAt: now}
	if err := s.Store.PackOutbox(ctx, b, seqs); err != nil {
		return nil, err
	}
	s.log().DebugContext(ctx, "hub: batch packed", "batch", b.ID, "to", to, "records", b.Records)
	return b, nil
}

// signForHub signs payload as PublishKeys signs a key set: with the key
// the hub's list shows it holds for the region (publishingKey), so that
// the hub, and the regions that read its list, check the signature.
func (c *HubClient) signForHub(ctx context.Context, payload []byte) (string, error) {
	keys, err := c.Keys.Keys(ctx)
	if err != nil {
		return "", err
	}
	k := c.publishingKey(keys, c.now())
	if k == nil {
		return "", healthcode.Errorf(healthcode.EUNAVAILABLE, "no signing key is valid now: run `healthcode keys rotate`")
	}
	return signJWS(k, payload)
}

// newBatchID is 128 random bits in hex.
func newBatchID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// batchPayload writes the signed payload of a batch: the header fields
// as encoding/json writes them, then each record's row as it was queued,
// not decoded and encoded again. A row is compact JSON written by the
// store's callers; one that is not valid JSON is refused here, not by the
// hub.
func batchPayload(id, from, to string, issued time.Time, recs []*healthcode.OutboxRecord, size int) ([]byte, error) {
	head, err := json.Marshal(&hubBatch{ID: id, From: from, To: to, IssuedAt: issued.UTC()})
	if err != nil {
		return nil, healthcode.Internal(err, "marshal batch")
	}
	// head ends in "records":null}.
	head = bytes.TrimSuffix(head, []byte("null}"))
	out := make([]byte, 0, len(head)+size+2)
	out = append(out, head...)
	out = append(out, '[')
	for i, r := range recs {
		if !json.Valid(r.Row) {
			return nil, healthcode.Errorf(healthcode.EINTERNAL, "outbox record %s is not JSON", r.ID)
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, r.Row...)
	}
	return append(out, ']', '}'), nil
}

func (s *HubSender) parkAfter() int {
	if s.ParkAfter <= 0 {
		return DefaultHubParkAfter
	}
	return s.ParkAfter
}

// refusalBackoff is the wait after a batch's nth refusal: RefusalBackoff
// doubled n-1 times, at most MaxRefusalBackoff.
func (s *HubSender) refusalBackoff(n int) time.Duration {
	d := s.RefusalBackoff
	if d <= 0 {
		d = DefaultRefusalBackoff
	}
	for i := 1; i < n && d < MaxRefusalBackoff; i++ {
		d *= 2
	}
	return min(d, MaxRefusalBackoff)
}

func (s *HubSender) inFlight() int {
	if s.InFlight <= 0 {
		return DefaultHubInFlight
	}
	return s.InFlight
}

func (s *HubSender) batchSize() int {
	if s.BatchSize <= 0 || s.BatchSize > DefaultHubBatchSize {
		return DefaultHubBatchSize
	}
	return s.BatchSize
}

func (s *HubSender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *HubSender) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// count sets the gauges of records not sent and of parked batches.
func (s *HubSender) count(ctx context.Context) {
	if s.Metrics == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	n, err := s.Store.OutboxUnsent(ctx)
	if err != nil {
		s.log().WarnContext(ctx, "hub: cannot count the outbox", "err", err)
		return
	}
	s.Metrics.unsent(n)
	parked, err := s.Store.ParkedOutbox(ctx)
	if err != nil {
		s.log().WarnContext(ctx, "hub: cannot count the parked batches", "err", err)
		return
	}
	s.Metrics.setParked(parked)
}

// Purge deletes the batches the hub took more than Retention ago, with
// their records.
func (s *HubSender) Purge(ctx context.Context) error {
	keep := s.Retention
	if keep <= 0 {
		keep = DefaultOutboxRetention
	}
	records, batches, err := s.Store.PurgeSentOutbox(ctx, s.now().Add(-keep))
	if batches > 0 {
		s.log().InfoContext(ctx, "hub: sent outbox purged", "batches", batches, "records", records, "older_than", keep.String())
	}
	return err
}
