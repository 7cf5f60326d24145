package node

import (
	"sync"
	"time"

	"github.com/healthcode/healthcode"
)

// tokenCacheFor bounds how long a revoked staff token keeps working on a
// node that saw it before: checkpoints send a request per scan, and a
// store read per request would cost more than judging the scan.
const tokenCacheFor = 5 * time.Second

// tokenCache remembers staff tokens recently found, by hash.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]tokenCacheEntry
}

type tokenCacheEntry struct {
	caller healthcode.Caller
	found  time.Time
}

const maxCachedTokens = 10000

func (c *tokenCache) get(hash []byte, now time.Time) (*healthcode.Caller, bool) {
	c.mu.Lock()
	e, ok := c.entries[string(hash)]
	c.mu.Unlock()
	if !ok || now.Sub(e.found) > tokenCacheFor || now.Before(e.found) {
		return nil, false
	}
	caller := e.caller
	return &caller, true
}

func (c *tokenCache) put(hash []byte, caller *healthcode.Caller, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedTokens {
		c.entries = make(map[string]tokenCacheEntry)
	}
	c.entries[string(hash)] = tokenCacheEntry{caller: *caller, found: now}
}
