package node

import (
	"crypto/sha256"
	"sync"
	"time"
)

// IssuedCodes remembers the codes this node issued, by the SHA-256 of their
// text, until they expire. A checkpoint of this node that is shown one of
// them needs no signature check: the node signed exactly these bytes
// itself, and a forged or altered code cannot have the same hash. Codes
// issued by another node of the region, or after this node restarted, are
// simply not found and take the full verification: the memory is a fast
// path, never the only path, so several nodes over one database stay
// correct.
type IssuedCodes struct {
	shards [issuedShards]issuedShard
	// maxPerShard bounds memory: past it, codes are not remembered (they
	// still verify the slow way).
	maxPerShard int
}

const issuedShards = 32

// issuedShard holds two generations: a code is added to cur; cur becomes
// prev once it is older than a code's lifetime, and prev is dropped then.
// An entry thus lives between one and two lifetimes, and its own expiry is
// checked on every hit.
type issuedShard struct {
	mu        sync.Mutex
	cur, prev map[[sha256.Size]byte]IssuedCode
	rotated   time.Time
}

// IssuedCode is what the node remembers of a code it issued.
type IssuedCode struct {
	PersonID  int64
	KID       []byte
	Name      string // masked, as in the code
	IDMasked  string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// NewIssuedCodes remembers up to about max codes.
func NewIssuedCodes(max int) *IssuedCodes {
	c := &IssuedCodes{maxPerShard: max/issuedShards + 1}
	for i := range c.shards {
		c.shards[i].cur = map[[sha256.Size]byte]IssuedCode{}
	}
	return c
}

func (c *IssuedCodes) shard(h *[sha256.Size]byte) *issuedShard {
	return &c.shards[h[0]%issuedShards]
}

// Add remembers code text as issued with e. A nil *IssuedCodes remembers
// nothing.
func (c *IssuedCodes) Add(text string, e IssuedCode, lifetime time.Duration) {
	if c == nil {
		return
	}
	h := sha256.Sum256([]byte(text))
	s := c.shard(&h)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.IssuedAt.Sub(s.rotated) > lifetime || e.IssuedAt.Before(s.rotated) {
		s.prev, s.cur, s.rotated = s.cur, make(map[[sha256.Size]byte]IssuedCode, len(s.cur)), e.IssuedAt
	}
	if len(s.cur) < c.maxPerShard {
		s.cur[h] = e
	}
}

// Find returns what was remembered of code text, if anything.
func (c *IssuedCodes) Find(text string) (IssuedCode, bool) {
	if c == nil {
		return IssuedCode{}, false
	}
	h := sha256.Sum256([]byte(text))
	s := c.shard(&h)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.cur[h]
	if !ok {
		e, ok = s.prev[h]
	}
	return e, ok
}
