package healthcode

import (
	"context"
	"encoding/json"
	"time"
)

// The outbox is the sending side of way 1 (docs/federation.md, "Node
// side"): records about people of other regions, queued for the region
// that issues their code, packed into signed batches and sent through the
// hub.

// OutboxRecord is one record queued for another region.
type OutboxRecord struct {
	Seq  int64  // the store's order of queueing
	To   string // the person's home region
	Kind string // a record kind (KindContacts, …)
	// ID is the record's id prefixed with this region and a slash
	// ("CN-330100/t-1"): queued once per kind and id.
	ID string
	// Row is the record as it travels: one row of the import's NDJSON
	// form of Kind, with "kind" and the prefixed "id", the person named by
	// "subject" (hex) or by "id_type"/"id_number". It is personal data:
	// the store keeps it sealed.
	Row       json.RawMessage
	CreatedAt time.Time
	BatchID   string    // "" until packed into a batch
	SentAt    time.Time // zero until the hub took its batch
}

// OutboxBatch is a batch packed from queued records: its id, the signed
// body (a JWS compact serialization) that is posted, resent as it is until
// the hub takes it.
//
// A batch the hub refuses (a 4xx answer) is posted again after a backoff,
// and parked after so many refusals: a parked batch is not posted again
// until an operator requeues it (`healthcode outbox requeue`), or drops it
// with its records (`healthcode outbox drop`, see OutboxDrop).
type OutboxBatch struct {
	ID        string // 32 hex digits, random
	To        string
	Signed    string // personal data: the store keeps it sealed
	Records   int
	CreatedAt time.Time
	SentAt    time.Time // zero until the hub took it
	// Refusals counts the hub's refusals since the batch was packed or
	// last requeued; LastRefusal is the latest of them (zero when none).
	Refusals    int
	LastRefusal OutboxRefusal
	RetryAt     time.Time // a refused batch is not posted before; zero: at once
	ParkedAt    time.Time // zero unless parked
}

// OutboxRefusal is the hub's refusal of a batch: a 4xx answer to its post.
type OutboxRefusal struct {
	Status int    // the HTTP status
	Code   string // the hub's error code (forbidden, invalid, conflict, …)
	// Message is the hub's error message. It names fields, keys and
	// record ids, never a person: the hub reads no more of a record.
	Message string
	At      time.Time
}

// OutboxDrop is what is kept of a parked batch an operator dropped: the
// batch and its records are deleted, and the drop is recorded without
// anything of the records (nor the hub's message, which may name record
// ids), so that the records discarded can be accounted for.
type OutboxDrop struct {
	BatchID   string
	To        string
	Records   int       // the records deleted with the batch
	CreatedAt time.Time // when the batch was packed
	Refusals  int
	// LastStatus and LastCode are the HTTP status and the hub's error code
	// of the last refusal, at LastRefusedAt.
	LastStatus    int
	LastCode      string
	LastRefusedAt time.Time
	ParkedAt      time.Time
	DroppedAt     time.Time
	Reason        string // the operator's, required
}

// MaxOutboxDropReason bounds an OutboxDrop's reason, in bytes.
const MaxOutboxDropReason = 1000

// OutboxStore keeps the outbox.
type OutboxStore interface {
	// QueueOutbox queues recs in one transaction and returns how many were
	// new: a record whose kind and id are queued already is left as it is,
	// so queueing twice is a no-op.
	QueueOutbox(ctx context.Context, recs []*OutboxRecord, now time.Time) (int, error)
	// OutboxRegions returns, sorted, the regions that have records not
	// packed into a batch yet.
	OutboxRegions(ctx context.Context) ([]string, error)
	// UnpackedOutbox returns up to limit records to region that are not
	// packed yet, oldest first.
	UnpackedOutbox(ctx context.Context, to string, limit int) ([]*OutboxRecord, error)
	// PackOutbox stores b and makes it the batch of the records with seqs,
	// in one transaction: the body is stored before it is first posted, so
	// that a retry after any failure posts the very same batch. When any
	// of the records is packed already (another sender was first), it
	// writes nothing and returns ECONFLICT.
	PackOutbox(ctx context.Context, b *OutboxBatch, seqs []int64) error
	// UnsentOutboxBatches returns the batches packed and not sent yet,
	// parked ones too, oldest first.
	UnsentOutboxBatches(ctx context.Context) ([]*OutboxBatch, error)
	// DueOutboxBatches returns the batches packed and not sent yet that
	// are to be posted at now: not parked, and not refused with a RetryAt
	// after now; oldest first.
	DueOutboxBatches(ctx context.Context, now time.Time) ([]*OutboxBatch, error)
	// RefuseOutboxBatch records r, the hub's refusal of the unsent batch
	// with id: one refusal more, r the last, not posted again before
	// retryAt; when that makes parkAfter refusals or more (parkAfter > 0)
	// the batch is parked. It returns the batch's refusals and whether it
	// is parked. ENOTFOUND when no unsent batch has id (another sender
	// had it taken meanwhile).
	RefuseOutboxBatch(ctx context.Context, id string, r OutboxRefusal, retryAt time.Time, parkAfter int) (refusals int, parked bool, err error)
	// ListOutboxBatches returns the batches not sent yet, only the parked
	// ones with parked, oldest first, without their bodies (Signed ""):
	// what an operator is shown.
	ListOutboxBatches(ctx context.Context, parked bool) ([]*OutboxBatch, error)
	// RequeueOutboxBatch clears the park, the refusals and the backoff of
	// the unsent batch with id, so that the next round posts it.
	// ENOTFOUND when there is no such batch, ECONFLICT when the hub took
	// it already.
	RequeueOutboxBatch(ctx context.Context, id string) error
	// DropOutboxBatches deletes the parked batches with ids and their
	// records, and records an OutboxDrop of each with reason (trimmed) and
	// at, all in one transaction; it returns the drops in the order of ids.
	// Nothing is dropped when any of ids is not a parked batch: ENOTFOUND
	// when there is no such batch (or it was dropped already), ECONFLICT
	// when it is not parked or the hub took it; EINVALID when reason is
	// empty or longer than MaxOutboxDropReason.
	DropOutboxBatches(ctx context.Context, ids []string, reason string, at time.Time) ([]*OutboxDrop, error)
	// ListOutboxDrops returns the batches dropped, in the order they were.
	ListOutboxDrops(ctx context.Context) ([]*OutboxDrop, error)
	// ParkedOutbox counts the parked batches by the region they go to.
	ParkedOutbox(ctx context.Context) (map[string]int, error)
	// MarkOutboxSent marks the batch with id and its records sent at at,
	// and not parked; ENOTFOUND when there is no such batch.
	MarkOutboxSent(ctx context.Context, id string, at time.Time) error
	// OutboxUnsent counts the records not sent yet, packed or not.
	OutboxUnsent(ctx context.Context) (int64, error)
	// PurgeSentOutbox deletes the batches the hub took before sentBefore,
	// with their records, and says how many of each.
	PurgeSentOutbox(ctx context.Context, sentBefore time.Time) (records, batches int64, err error)
}
