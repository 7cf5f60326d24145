package node

import (
	"context"
	"encoding/base64"
	"time"
)

// UnknownKeyRefetch is the least time between two early fetches of the
// hub's trust list for codes that name a key or a region the list does not
// hold: a flood of forged codes costs the hub one fetch a node this often.
const UnknownKeyRefetch = 30 * time.Second

// unknownKeyWait bounds how long the scan that asked waits for the fetch.
const unknownKeyWait = 2 * time.Second

// FetchForUnknownKey fetches the hub's trust list at once, because a code
// scanned here names a key (or a region) of another region that the list
// held does not: a key that region published since the last refresh
// (up to --hub-refresh ago) would otherwise be refused as forged until the
// next one. At most once every UnknownKeyRefetch; the caller waits at most
// unknownKeyWait. It reports whether another list is held now, so that
// the code is worth verifying again.
func (c *HubClient) FetchForUnknownKey(ctx context.Context, region string, kid []byte) bool {
	// A fetch under way (the refresh's, which may wait for a slow hub far
	// longer) brings whatever the hub holds: the scan does not queue
	// behind it.
	if !c.fetchMu.TryLock() {
		return false
	}
	defer c.fetchMu.Unlock()
	now := c.now()
	c.mu.Lock()
	if !c.earlyFetch.IsZero() && !now.Before(c.earlyFetch) && now.Sub(c.earlyFetch) < UnknownKeyRefetch {
		c.mu.Unlock()
		return false
	}
	c.earlyFetch = now
	c.mu.Unlock()

	before := c.List()
	ctx, cancel := context.WithTimeout(ctx, unknownKeyWait)
	defer cancel()
	err := c.fetchTrust(ctx)
	changed := err == nil && c.List() != before
	c.log().InfoContext(ctx, "hub: trust list fetched early for a code it did not hold the key of",
		"region", region, "kid", base64.StdEncoding.EncodeToString(kid), "changed", changed, "err", err)
	return changed
}
