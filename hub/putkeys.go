package hub

import (
	"context"
	"encoding/base64"
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
	var held []*healthcode.RegionKey
	n, err := g.Store.MergeKeys(ctx, s.set, func(h []*healthcode.RegionKey) error {
		held = h
		return s.verify(h)
	})
	if err != nil {
		return 0, err
	}
	g.changed()
	if added, revoked := keyChanges(held, s.set.Keys); len(added)+len(revoked) > 0 && g.Logger != nil {
		// A region's keys decide which codes verify everywhere: a change
		// is worth a line, the same set published again at every refresh
		// is not.
		by := "peer"
		if c.Is(healthcode.RoleAdmin) {
			by = "admin"
		}
		g.Logger.InfoContext(ctx, "hub: region keys changed", "region", region, "by", by, "token_id", c.TokenID,
			"added", added, "revoked", revoked, "keys", n)
	}
	return n, nil
}

// keyChanges returns the kids (standard base64) of the keys of set that
// held lacks, and of those set revokes that held did not hold revoked.
func keyChanges(held, set []*healthcode.RegionKey) (added, revoked []string) {
	byKID := make(map[string]*healthcode.RegionKey, len(held))
	for _, k := range held {
		byKID[string(k.KID)] = k
	}
	for _, k := range set {
		h := byKID[string(k.KID)]
		switch {
		case h == nil:
			added = append(added, base64.StdEncoding.EncodeToString(k.KID))
		case k.Revoked && !h.Revoked:
			revoked = append(revoked, base64.StdEncoding.EncodeToString(k.KID))
		}
	}
	return added, revoked
}
