package node

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// addrLimiter limits requests per client address. It lives in one process's
// memory: with several nodes an address gets the limit on each. That is
// acceptable for what it guards against (one address hammering sign-in);
// the per-phone limits, which protect the SMS budget and the password, are
// kept in the store.
type addrLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	entries map[string]*addrEntry
	swept   time.Time
}

type addrEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newAddrLimiter(perMinute, burst int) *addrLimiter {
	return &addrLimiter{
		every:   rate.Limit(float64(perMinute) / 60),
		burst:   burst,
		entries: map[string]*addrEntry{},
	}
}

// allow reports whether addr may make one more request at now, and if not,
// how long it should wait.
func (l *addrLimiter) allow(addr string, now time.Time) (bool, time.Duration) {
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
	e := l.entries[addr]
	if e == nil {
		e = &addrEntry{lim: rate.NewLimiter(l.every, l.burst)}
		l.entries[addr] = e
	}
	e.seen = now
	r := e.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
