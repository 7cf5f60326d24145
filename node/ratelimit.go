package node

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// KeyLimiter limits requests per key: a client address, or anything else
// requests are counted by (the hub counts exchanges by subject too, sign-in
// the failed sends of a phone). It lives in one process's memory: with
// several nodes a key gets the limit on each. That is acceptable for what
// it guards against (one address hammering sign-in); the per-phone limits,
// which protect the SMS budget and the password, are kept in the store.
type KeyLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	entries map[string]*rate.Limiter
	swept   time.Time
}

// NewKeyLimiter allows each key perMinute requests a minute, burst at once.
func NewKeyLimiter(perMinute, burst int) *KeyLimiter {
	return newKeyLimiter(rate.Limit(float64(perMinute)/60), burst)
}

// NewKeyLimiterEvery allows each key one request every interval, burst at
// once.
func NewKeyLimiterEvery(interval time.Duration, burst int) *KeyLimiter {
	return newKeyLimiter(rate.Every(interval), burst)
}

func newKeyLimiter(every rate.Limit, burst int) *KeyLimiter {
	return &KeyLimiter{every: every, burst: burst, entries: map[string]*rate.Limiter{}}
}

// Allow reports whether key may make one more request at now, and if not,
// how long it should wait.
func (l *KeyLimiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.entry(key, now).ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Wait returns how long key waits before a request would be allowed, 0
// when one would be now; it takes none.
func (l *KeyLimiter) Wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.entries[key]
	if lim == nil {
		return 0
	}
	tokens := lim.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(lim.Limit()) * float64(time.Second))
}

// Spend counts one request of key at now whether or not one is left (the
// key goes into debt): for what happened, a send that failed, rather than
// asking leave.
func (l *KeyLimiter) Spend(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entry(key, now).ReserveN(now, 1)
}

// entry returns key's limiter, made full when new. Now and then the
// limiters full again are dropped: one is as a key never seen. l.mu is
// held.
func (l *KeyLimiter) entry(key string, now time.Time) *rate.Limiter {
	if now.Sub(l.swept) > 10*time.Minute {
		for k, lim := range l.entries {
			if lim.TokensAt(now) >= float64(l.burst) {
				delete(l.entries, k)
			}
		}
		l.swept = now
	}
	lim := l.entries[key]
	if lim == nil {
		lim = rate.NewLimiter(l.every, l.burst)
		l.entries[key] = lim
	}
	return lim
}
