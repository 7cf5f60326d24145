package node

import (
	"context"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
)

// A venue whose policy names an employer admits only its staff
// (EntryPolicy.Employer). Only scans at such a venue read a membership:
// every other scan takes no extra step. A membership read is kept for
// employeeCacheFor, so a shift of staff at the gate is one query each,
// and a roster change shows at the door within that time.
const (
	employeeCacheFor = 30 * time.Second
	// employeeCacheMax bounds the cache: when full it starts afresh.
	employeeCacheMax = 100_000
)

type employeeKey struct {
	org    string
	person int64
}

type employeeEntry struct {
	member bool
	read   time.Time
}

// EmployeeCache keeps the memberships read for scans at venues that admit
// only an employer's staff.
type EmployeeCache struct {
	mu      sync.Mutex
	entries map[employeeKey]employeeEntry
}

// NewEmployeeCache returns an empty cache.
func NewEmployeeCache() *EmployeeCache {
	return &EmployeeCache{entries: map[employeeKey]employeeEntry{}}
}

func (c *EmployeeCache) get(k employeeKey, now time.Time) (member, ok bool) {
	if c == nil {
		return false, false
	}
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	return e.member, ok && now.Sub(e.read) < employeeCacheFor
}

func (c *EmployeeCache) put(k employeeKey, member bool, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.entries) >= employeeCacheMax {
		c.entries = map[employeeKey]employeeEntry{}
	}
	c.entries[k] = employeeEntry{member: member, read: now}
	c.mu.Unlock()
}

// employee reports whether the person is on the staff of the employer p
// names. A person not of this region (personID 0: a visitor, whose code is
// all this node knows) is on no roster here.
func (s *ScanService) employee(ctx context.Context, p *healthcode.EntryPolicy, personID int64) (bool, error) {
	if p.Employer == "" || personID == 0 {
		return false, nil
	}
	k := employeeKey{p.Employer, personID}
	now := s.Now()
	if member, ok := s.Employees.get(k, now); ok {
		return member, nil
	}
	member, err := s.Store.InOrg(ctx, p.Employer, personID)
	if err != nil {
		return false, err
	}
	s.Employees.put(k, member, now)
	return member, nil
}
