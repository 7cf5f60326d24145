package hub

import (
	"context"
	"fmt"

	"github.com/healthcode/healthcode"
)

// AcceptBatch takes a batch a region sends (docs/federation.md, way 1):
// from a peer token of the sending region; signed by a key the hub holds
// for it; to another registered region. It returns the batch as stored,
// with duplicate true when its id was stored already with the same
// content (a resend); with other content it is ECONFLICT.
//
// The key is read outside the store's transaction: a revocation racing
// the post may let one batch by, which the receiver, checking the trust
// list itself, still refuses.
func (g *Registry) AcceptBatch(ctx context.Context, c *healthcode.Caller, signed string) (*healthcode.Batch, bool, error) {
	if err := batchPeer(c, "sends batches"); err != nil {
		return nil, false, err
	}
	if len(signed) > healthcode.MaxBatchBytes {
		return nil, false, healthcode.Errorf(healthcode.ETOOLARGE, "the batch is %d bytes, more than %d MiB: send fewer records a batch",
			len(signed), healthcode.MaxBatchBytes>>20)
	}
	now := g.Now()
	s, err := parseBatch(signed, now)
	if err != nil {
		return nil, false, err
	}
	b := s.batch
	if b.From != c.Region {
		// Fields names "from", so that the sender can tell its token (or
		// its region) gone wrong, which no batch mends, from a batch
		// refused.
		return nil, false, &healthcode.Error{Code: healthcode.EFORBIDDEN,
			Message: fmt.Sprintf("the batch is from %s, but this peer token acts for %s: a region sends its own batches only", b.From, c.Region),
			Fields:  map[string]string{"from": "not the region of this peer token, " + c.Region}}
	}
	held, err := g.Store.RegionKeys(ctx, b.From)
	if err != nil {
		return nil, false, err
	}
	if err := s.verify(held); err != nil {
		return nil, false, err
	}
	if _, err := g.Store.FindRegion(ctx, b.To); healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		return nil, false, healthcode.FieldErrors{"to": b.To + " is not a region of the hub"}.Err()
	} else if err != nil {
		return nil, false, err
	}
	seq, duplicate, err := g.Store.AddBatch(ctx, b)
	if err != nil {
		return nil, false, err
	}
	b.Seq = seq
	return b, duplicate, nil
}

// batchPeer refuses all but a peer token bound to a region: batches are a
// region's own, so not even a hub admin sends or takes them for one.
func batchPeer(c *healthcode.Caller, does string) error {
	switch {
	case c == nil:
		return healthcode.Errorf(healthcode.EUNAUTHORIZED, "sign in first")
	case !c.Is(healthcode.RolePeer):
		return healthcode.Errorf(healthcode.EFORBIDDEN, "only a region's peer token %s", does)
	case c.Region == "":
		return healthcode.Errorf(healthcode.EFORBIDDEN, "this peer token is bound to no region")
	}
	return nil
}
