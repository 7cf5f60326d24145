package healthcode

import (
	"context"
	"time"
)

// The inbox is the receiving side of way 1 (docs/federation.md, "Node
// side"): batches of records other regions sent, through the hub, about
// people of this region, applied as imports.

// InboxBatch is a batch from the hub that the node applied.
type InboxBatch struct {
	ID        string // the batch's own id (32 hex digits)
	From      string // the sending region
	Seq       int64  // the hub's sequence number of the batch
	AppliedAt time.Time
	Summary   InboxSummary
}

// InboxSummary counts what became of a batch's records. Every record is
// counted once in Accepted, Duplicate, Corrected or Rejected (the import's
// outcomes), UnknownSubject or Invalid; Pending counts the stored ones that
// name nobody registered here yet.
type InboxSummary struct {
	Records   int64 `json:"records"`
	Accepted  int64 `json:"accepted"`
	Duplicate int64 `json:"duplicate"`
	Corrected int64 `json:"corrected"`
	Rejected  int64 `json:"rejected"`
	Pending   int64 `json:"pending"`
	// UnknownSubject counts records naming by subject a person this node
	// does not know: they cannot be keyed to a document, so they are not
	// stored.
	UnknownSubject int64 `json:"unknown_subject"`
	// Invalid counts records not passed to the import: an unknown kind, an
	// id not prefixed with the sending region, a subject that is not one.
	Invalid int64 `json:"invalid"`
	// Jobs are the recomputes the batch's imports started.
	Jobs []int64 `json:"jobs,omitempty"`
}

// InboxStore keeps the node's inbox.
type InboxStore interface {
	// InboxCursor returns the last hub seq the node dealt with, 0 at first.
	InboxCursor(ctx context.Context) (int64, error)
	// AdvanceInboxCursor moves the cursor to seq, never back.
	AdvanceInboxCursor(ctx context.Context, seq int64) error
	// RecordInboxBatch stores b as applied and advances the cursor to
	// b.Seq in one transaction, and reports true; when a batch with b.ID
	// is stored already it changes nothing and reports false.
	RecordInboxBatch(ctx context.Context, b *InboxBatch) (bool, error)
	// FindInboxBatch returns the applied batch with id, ENOTFOUND when none.
	FindInboxBatch(ctx context.Context, id string) (*InboxBatch, error)
	// IdentitiesBySubject returns the identity (from the profile) of each
	// person with one of subjects, by string(subject); people without a
	// profile are left out.
	IdentitiesBySubject(ctx context.Context, subjects [][]byte) (map[string]Identity, error)
}
