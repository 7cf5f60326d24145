package hub

import (
	"context"
	"time"

	"github.com/healthcode/healthcode"
)

// Skew is how far a key set's issued_at may lie from the hub's clock: an
// upload held back longer than this, or replayed later, is refused.
const Skew = 5 * time.Minute

// PutKeys takes a region's key set (docs/federation.md): from a peer token
// of that region or a hub admin; region, path and token agree; issued_at
// fresh and later than the last set's; signed by a key the hub holds, or
// by one of the set's own when it holds none yet.
func (g *Registry) PutKeys(ctx context.Context, c *healthcode.Caller, region, signed string) (int, error) {
	switch {
	case c == nil:
		return 0, healthcode.Errorf(healthcode.EUNAUTHORIZED, "sign in first")
	case c.Is(healthcode.RoleAdmin):
	case c.Is(healthcode.RolePeer) && c.Region == region:
	case c.Is(healthcode.RolePeer):
		return 0, healthcode.Errorf(healthcode.EFORBIDDEN, "this peer token acts for %q, not for %s", c.Region, region)
	default:
		return 0, healthcode.Errorf(healthcode.EFORBIDDEN, "only the region's peer token or a hub admin publishes its keys")
	}
	now := g.Now()
	s, err := parseKeySet(signed, now)
	if err != nil {
		return 0, err
	}
	if s.set.Region != region {
		return 0, healthcode.Errorf(healthcode.EFORBIDDEN, "the key set is for %s, not %s: a region publishes its own keys only", s.set.Region, region)
	}
	if d := now.Sub(s.set.IssuedAt); d > Skew || d < -Skew {
		return 0, healthcode.Errorf(healthcode.ECONFLICT, "issued_at %s is more than %v from the hub's clock (%s): a stale or replayed upload",
			s.set.IssuedAt.UTC().Format(time.RFC3339), Skew, now.UTC().Format(time.RFC3339))
	}
	return g.Store.MergeKeys(ctx, s.set, s.verify)
}
