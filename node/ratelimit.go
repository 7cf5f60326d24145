package node

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// KeyLimiter limits requests per key: a client address, or anything else
// requests are counted by (the hub counts exchanges by subject too). It
// lives in one process's memory: with several nodes a key gets the limit
// on each. That is acceptable for what it guards against (one address
// hammering sign-in); the per-phone limits, which protect the SMS budget
// and the password, are kept in the store.
type KeyLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	entries map[string]*limitEntry
	swept   time.Time
}

type limitEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewKeyLimiter allows each key perMinute requests a minute, burst at once.
func NewKeyLimiter(perMinute, burst int) *KeyLimiter {
	return &KeyLimiter{
		every:   rate.Limit(float64(perMinute) / 60),
		burst:   burst,
		entries: map[string]*limitEntry{},
	}
}

// Allow reports whether key may make one more request at now, and if not,
// how long it should wait.
func (l *KeyLimiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > 10*time.Minute {
		for k, e := range l.entries {
			if now.Sub(e.seen) > 10*time.Minute {
				delete(l.entries, k)
			}
		}
		l.swept = now
	}
	e := l.entries[key]
	if e == nil {
		e = &limitEntry{lim: rate.NewLimiter(l.every, l.burst)}
		l.entries[key] = e
	}
	e.seen = now
	r := e.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
