package hub

import (
	"context"

	"github.com/healthcode/healthcode"
)

// Pages of batches (GET /hub/v1/batches).
const (
	DefaultBatchPage = 100
	MaxBatchPage     = 1000
	// BatchPageBytes bounds a page's bodies: a thousand batches of 16 MiB
	// are never read, or sent, at once. A page holds one batch at least.
	BatchPageBytes = 32 << 20
)

// ListBatches returns the batches to the caller's region after since, not
// yet acked, oldest first, and next: the last seq returned, or since.
func (g *Registry) ListBatches(ctx context.Context, c *healthcode.Caller, since int64, limit int) ([]*healthcode.Batch, int64, error) {
	if err := batchPeer(c, "takes batches"); err != nil {
		return nil, 0, err
	}
	var fe healthcode.FieldErrors
	if since < 0 {
		fe.Add("since", "must be a seq, 0 or more")
	}
	switch {
	case limit == 0:
		limit = DefaultBatchPage
	case limit < 0 || limit > MaxBatchPage:
		fe.Add("limit", "must be from 1 to 1000")
	}
	if err := fe.Err(); err != nil {
		return nil, 0, err
	}
	bs, err := g.Store.BatchesTo(ctx, c.Region, since, limit, BatchPageBytes)
	if err != nil {
		return nil, 0, err
	}
	next := since
	if len(bs) > 0 {
		next = bs[len(bs)-1].Seq
	}
	return bs, next, nil
}

// AckBatches marks the caller's region's batches up to through applied:
// the hub drops their bodies and keeps their ids and hashes, so a late
// resend is still a duplicate.
func (g *Registry) AckBatches(ctx context.Context, c *healthcode.Caller, through int64) (int, error) {
	if err := batchPeer(c, "acks batches"); err != nil {
		return 0, err
	}
	return g.Store.AckBatches(ctx, c.Region, through, g.Now())
}

// BatchBacklogs returns what waits for each region: a node that stopped
// pulling shows as batches piling up behind its ack.
func (g *Registry) BatchBacklogs(ctx context.Context) ([]healthcode.BatchBacklog, error) {
	return g.Store.BatchBacklogs(ctx)
}
