package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
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
type HubSender struct {
	Client    *HubClient // the hub, the peer token and the signing keys
	Store     healthcode.OutboxStore
	BatchSize int // records a batch at most; 0 or more than DefaultHubBatchSize: DefaultHubBatchSize
	Now       func() time.Time
	Logger    *slog.Logger
	Metrics   *HubSendMetrics
}

// DefaultHubBatchSize is the most records a batch carries, the contract's
// limit.
const DefaultHubBatchSize = 5000

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
func (s *HubSender) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.Send(ctx); err != nil && ctx.Err() == nil {
			s.log().WarnContext(ctx, "hub: outbox not sent", "hub", s.Client.URL, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Send posts the batches packed earlier and not sent, then packs and posts
// each region's queued records. A batch the hub refuses is logged and left
// (it goes again next round); when the hub cannot be reached, Send stops
// and returns the error.
func (s *HubSender) Send(ctx context.Context) error {
	defer s.count(ctx)
	unsent, err := s.Store.UnsentOutboxBatches(ctx)
	if err != nil {
		return err
	}
	for _, b := range unsent {
		if err := s.post(ctx, b); err != nil {
			return err
		}
	}
	regions, err := s.Store.OutboxRegions(ctx)
	if err != nil {
		return err
	}
	for _, to := range regions {
		if err := s.sendRegion(ctx, to); err != nil {
			return err
		}
	}
	return nil
}

// sendRegion packs and posts the queued records of one region, a batch at
// a time.
func (s *HubSender) sendRegion(ctx context.Context, to string) error {
	size := s.batchSize()
	for {
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
		if err := s.post(ctx, b); err != nil {
			return err
		}
		if len(recs) < size && b.Records == len(recs) {
			return nil
		}
	}
}

// pack signs a batch of the first of recs (at most maxBatchPayload of
// them) and stores it on them before it is posted.
func (s *HubSender) pack(ctx context.Context, to string, recs []*healthcode.OutboxRecord) (*healthcode.OutboxBatch, error) {
	now := s.now()
	p := hubBatch{ID: newBatchID(), From: s.Client.Region, To: to, IssuedAt: now.UTC()}
	seqs := make([]int64, 0, len(recs))
	total := 0
	for _, r := range recs {
		if total += len(r.Row) + 1; total > maxBatchPayload && len(seqs) > 0 {
			break
		}
		p.Records = append(p.Records, r.Row)
		seqs = append(seqs, r.Seq)
	}
	payload, err := json.Marshal(&p)
	if err != nil {
		return nil, healthcode.Internal(err, "marshal batch")
	}
	signed, err := s.Client.signForHub(ctx, payload)
	if err != nil {
		return nil, err
	}
	b := &healthcode.OutboxBatch{ID: p.ID, To: to, Signed: signed, Records: len(seqs), CreatedAt: now}
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

// count sets the gauge of records not sent.
func (s *HubSender) count(ctx context.Context) {
	if s.Metrics == nil {
		return
	}
	n, err := s.Store.OutboxUnsent(context.WithoutCancel(ctx))
	if err != nil {
		s.log().WarnContext(ctx, "hub: cannot count the outbox", "err", err)
		return
	}
	s.Metrics.unsent(n)
}
