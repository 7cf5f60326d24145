package node

import (
	"context"
	"crypto/rand"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/idnum"
)

// VenueService creates and runs venues: health staff and admins create
// them; a venue's operator (role venue, bound to it) sees and runs only
// that venue.
type VenueService struct {
	Store  healthcode.Store
	Keys   *KeyRing
	Region string
	Now    func() time.Time
	Audit  *Audit

	cache venueCache
}

var _ healthcode.VenueService = (*VenueService)(nil)

// venueCacheFor bounds how long a checkpoint keeps judging by a venue's
// old policy after another node changed it; this node's own changes apply
// at once.
const venueCacheFor = 5 * time.Second

// venueCache keeps venues read for scans.
type venueCache struct {
	mu      sync.Mutex
	entries map[string]venueCacheEntry
}

type venueCacheEntry struct {
	v    *healthcode.Venue
	read time.Time
}

// CanRun reports whether caller may see and run the venue with id:
// health staff and admins any, a venue operator or checkpoint its own.
func CanRun(caller *healthcode.Caller, id string) bool {
	switch {
	case caller.Is(healthcode.RoleAdmin, healthcode.RoleHealth):
		return true
	case caller.Is(healthcode.RoleVenue, healthcode.RoleCheckpoint):
		return caller.VenueID == id
	}
	return false
}

var errOtherVenue = healthcode.Errorf(healthcode.EFORBIDDEN, "this token runs another venue")

// Create fills the defaults of the venue's kind where v leaves them out
// (policy nil, max stay 0), checks it and stores it.
func (s *VenueService) Create(ctx context.Context, v *healthcode.Venue, policySet bool) (*healthcode.Venue, error) {
	if !policySet {
		v.Policy = healthcode.DefaultEntryPolicy(v.Kind)
	}
	if v.MaxStay == 0 {
		v.MaxStay = healthcode.DefaultMaxStay(v.Kind)
	}
	if err := checkVenue(v); err != nil {
		return nil, err
	}
	if err := checkEmployer(ctx, s.Store, v); err != nil {
		return nil, err
	}
	now := s.Now()
	v.CreatedAt, v.UpdatedAt = now, now
	if err := s.Store.CreateVenue(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

func checkVenue(v *healthcode.Venue) error {
	fe := v.Check()
	if !idnum.ValidDivision(v.Division) {
		fe.Add("division", "must be a six-digit administrative division code (GB/T 2260)")
	}
	return fe.Err()
}

// Venue returns the venue with id when caller may run it.
func (s *VenueService) Venue(ctx context.Context, caller *healthcode.Caller, id string) (*healthcode.Venue, error) {
	if !CanRun(caller, id) {
		return nil, errOtherVenue
	}
	return s.Store.FindVenue(ctx, id)
}

// List lists venues: all for health staff and admins, its own for a
// venue operator.
func (s *VenueService) List(ctx context.Context, caller *healthcode.Caller, f healthcode.VenueFilter) ([]*healthcode.Venue, error) {
	if f.Limit < 1 || f.Limit > 1000 {
		return nil, (healthcode.FieldErrors{"limit": "must be between 1 and 1000"}).Err()
	}
	if f.Offset < 0 {
		return nil, (healthcode.FieldErrors{"offset": "must be 0 or more"}).Err()
	}
	if !caller.Is(healthcode.RoleAdmin, healthcode.RoleHealth) {
		f.IDs = []string{caller.VenueID}
	}
	return s.Store.ListVenues(ctx, f)
}

// Update replaces what may change of a venue: name, address, capacity,
// policy and maximum stay; kind and division stay as created.
func (s *VenueService) Update(ctx context.Context, caller *healthcode.Caller, v *healthcode.Venue) (*healthcode.Venue, error) {
	old, err := s.Venue(ctx, caller, v.ID)
	if err != nil {
		return nil, err
	}
	v.Kind, v.Division, v.CreatedAt, v.UpdatedAt = old.Kind, old.Division, old.CreatedAt, s.Now()
	if err := checkVenue(v); err != nil {
		return nil, err
	}
	if err := checkEmployer(ctx, s.Store, v); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateVenue(ctx, v); err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	delete(s.cache.entries, v.ID)
	s.cache.mu.Unlock()
	return v, nil
}

// cached returns the venue with id for a scan, read again when older than
// venueCacheFor.
func (s *VenueService) cached(ctx context.Context, id string) (*healthcode.Venue, error) {
	now := time.Now()
	s.cache.mu.Lock()
	e, ok := s.cache.entries[id]
	s.cache.mu.Unlock()
	if ok && now.Sub(e.read) < venueCacheFor {
		return e.v, nil
	}
	v, err := s.Store.FindVenue(ctx, id)
	if err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	if s.cache.entries == nil {
		s.cache.entries = map[string]venueCacheEntry{}
	}
	s.cache.entries[id] = venueCacheEntry{v: v, read: now}
	s.cache.mu.Unlock()
	return v, nil
}

// PlaceCode signs the venue's place code (DESIGN §4) with the node's
// current key.
func (s *VenueService) PlaceCode(ctx context.Context, v *healthcode.Venue) (string, error) {
	now := s.Now()
	signer, err := s.Keys.Signer(ctx, now)
	if err != nil {
		return "", err
	}
	c := &hcode.PlaceClaims{Issuer: s.Region, IssuedAt: now.Truncate(time.Second), CTI: make([]byte, 16),
		ID: v.ID, Kind: v.Kind, Name: v.Name, Division: v.Division}
	rand.Read(c.CTI)
	text, err := signer.SignPlace(c)
	if err != nil {
		return "", healthcode.Internal(err, "sign place code")
	}
	return text, nil
}

// CreateDevice makes a checkpoint token bound to the venue with id; the
// token is shown this once.
func (s *VenueService) CreateDevice(ctx context.Context, caller *healthcode.Caller, id, name string) (string, *healthcode.StaffToken, error) {
	if _, err := s.Venue(ctx, caller, id); err != nil {
		return "", nil, err
	}
	if caller.Is(healthcode.RoleCheckpoint) {
		return "", nil, healthcode.Errorf(healthcode.EFORBIDDEN, "a checkpoint cannot make other checkpoints")
	}
	return CreateStaffToken(ctx, s.Store, StaffTokenRequest{Role: healthcode.RoleCheckpoint, Name: name, VenueID: id}, s.Now())
}

// Occupancy returns the venue and how many people are inside now.
func (s *VenueService) Occupancy(ctx context.Context, caller *healthcode.Caller, id string) (*healthcode.Venue, int, error) {
	v, err := s.Venue(ctx, caller, id)
	if err != nil {
		return nil, 0, err
	}
	n, err := s.Store.Occupancy(ctx, id, s.Now())
	return v, n, err
}

// Stats sums the venue's flow over w (default: the last 24 hours).
func (s *VenueService) Stats(ctx context.Context, caller *healthcode.Caller, id string, w healthcode.ScanWindow) (*healthcode.VenueStats, error) {
	if _, err := s.Venue(ctx, caller, id); err != nil {
		return nil, err
	}
	w, err := checkWindow(w, s.Now())
	if err != nil {
		return nil, err
	}
	return s.Store.VenueStats(ctx, id, w)
}

// Scans lists who was at the venue in w: health staff only, with a stated
// purpose, and every person listed is written to the access log.
func (s *VenueService) Scans(ctx context.Context, caller *healthcode.Caller, id string, w healthcode.ScanWindow, purpose string) ([]*healthcode.Scan, error) {
	if !caller.Is(healthcode.RoleHealth) {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only health staff list who was at a venue")
	}
	if err := CheckPurpose(caller, purpose); err != nil {
		return nil, err
	}
	if _, err := s.Store.FindVenue(ctx, id); err != nil {
		return nil, err
	}
	w, err := checkWindow(w, s.Now())
	if err != nil {
		return nil, err
	}
	if w.Limit == 0 {
		w.Limit = 10000
	}
	scans, err := s.Store.VenueScans(ctx, id, w)
	if err != nil {
		return nil, err
	}
	people := make([]int64, len(scans))
	for i, sc := range scans {
		people[i] = sc.PersonID
	}
	if err := s.Audit.RecordMany(ctx, caller, people, "scans at venue "+id, purpose); err != nil {
		return nil, err
	}
	return scans, nil
}

// maxWindow is the longest window a listing or a sum of the scan log spans.
const maxWindow = 31 * 24 * time.Hour

// checkWindow checks w, defaulting to the 24 hours up to now.
func checkWindow(w healthcode.ScanWindow, now time.Time) (healthcode.ScanWindow, error) {
	if w.To.IsZero() {
		w.To = now
	}
	if w.From.IsZero() {
		w.From = w.To.Add(-24 * time.Hour)
	}
	var fe healthcode.FieldErrors
	if !w.From.Before(w.To) {
		fe.Add("from", "must be before to")
	} else if w.To.Sub(w.From) > maxWindow {
		fe.Add("from", "the window is at most 31 days")
	}
	if w.Limit < 0 || w.Limit > 100000 {
		fe.Add("limit", "must be between 1 and 100000")
	}
	return w, fe.Err()
}
