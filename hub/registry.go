package hub

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/node"
)

// Store is what the hub keeps: its regions and keys, the tokens of its
// peers and admins, and the national code's signing keys (the signing-key
// table a node keeps its own in: the hub's store is its own).
type Store interface {
	healthcode.HubStore
	healthcode.TokenStore
	healthcode.KeyStore
}

// Registry is the hub: it registers regions, takes the key sets they
// publish, signs the trust list and issues the national code. The command
// line is its admin: the methods without a caller are not reachable over
// HTTP.
type Registry struct {
	Store Store
	Now   func() time.Time
	// NationalColour is the hook for the regions' colour maps: the
	// national colour of a region's colour. Nil: the same colour.
	NationalColour func(ctx context.Context, region string, local healthcode.Colour) (healthcode.Colour, error)
	// Logger tells of changes a region makes over HTTP (its keys); nil:
	// none.
	Logger *slog.Logger

	keyMu sync.Mutex
	key   ed25519.PrivateKey // loaded once; it never changes

	listMu sync.Mutex
	list   *cachedList
	gen    atomic.Pointer[readGeneration] // the store's generation last read (generation.go)

	national *node.KeyRing // the keys of region CN
	limits   exchangeLimits
}

var (
	_ healthcode.HubService      = (*Registry)(nil)
	_ healthcode.NationalService = (*Registry)(nil)
)

// New returns a Registry over store.
func New(store Store) *Registry {
	g := &Registry{Store: store, Now: time.Now, limits: newExchangeLimits()}
	g.national = node.NewKeyRing(store)
	g.national.Now = func() time.Time { return g.Now() } // tests set g.Now after New
	return g
}

// AddRegion registers r with the keys it starts with (Alg and PublicKey
// set; the rest is filled in) and returns the region's peer token, which
// is shown this once: the store keeps its hash only.
func (g *Registry) AddRegion(ctx context.Context, r *healthcode.Region, keys []*healthcode.RegionKey) (string, error) {
	now := g.Now()
	var fe healthcode.FieldErrors
	if err := r.Validate(); err != nil {
		for f, reason := range healthcode.ErrorFields(err) {
			fe.Add(f, reason)
		}
	}
	checkPolicy(r, &fe)
	switch {
	case r.ID == healthcode.NationalRegion:
		fe.Add("id", "CN is the hub's own region: its keys are the hub's (`healthcode hub keys`)")
	case healthcode.ValidRegionID(r.ID) && !idnum.ValidDivision(r.ID[3:]):
		// A typo would be in every trust list; the format alone lets
		// CN-000000 through.
		fe.Add("id", fmt.Sprintf("%s is no division of GB/T 2260: its first two digits name no province", r.ID[3:]))
	}
	seen := map[string]bool{}
	for i, k := range keys {
		at := fmt.Sprintf("keys[%d]", i)
		if k.Alg != healthcode.AlgEdDSA && k.Alg != healthcode.AlgES256 {
			fe.Add(at+".alg", "must be EdDSA or ES256")
			continue
		}
		if _, err := hcode.ParsePublicKey(k.Alg, k.PublicKey); err != nil {
			fe.Add(at+".public_key", healthcode.ErrorMessage(err))
			continue
		}
		k.KID, k.Region, k.AddedAt = hcode.KID(k.Alg, k.PublicKey), r.ID, now
		if seen[string(k.KID)] {
			fe.Add(at+".public_key", "given twice")
		}
		seen[string(k.KID)] = true
		if !k.NotAfter.IsZero() && k.NotAfter.Before(k.NotBefore) {
			fe.Add(at+".not_after", "is before not_before")
		}
	}
	if err := fe.Err(); err != nil {
		return "", err
	}
	r.CreatedAt, r.KeysIssuedAt = now, time.Time{}
	if err := g.Store.CreateRegion(ctx, r, keys); err != nil {
		return "", err
	}
	g.changed()
	return g.peerToken(ctx, r.ID, now)
}

// IssuePeerToken makes another peer token for a registered region: for a
// token lost, or one replaced after a leak (revoke the old one with
// `healthcode token revoke`).
func (g *Registry) IssuePeerToken(ctx context.Context, region string) (string, error) {
	if _, err := g.Store.FindRegion(ctx, region); err != nil {
		return "", err
	}
	return g.peerToken(ctx, region, g.Now())
}

func (g *Registry) peerToken(ctx context.Context, region string, now time.Time) (string, error) {
	token, _, err := node.CreateStaffToken(ctx, g.Store, node.StaffTokenRequest{
		Role: healthcode.RolePeer, Name: region, Region: region}, now)
	return token, err
}

// RevokeKey revokes a region's key for good: no later key set of the
// region brings it back, and the next trust list marks it revoked.
func (g *Registry) RevokeKey(ctx context.Context, region string, kid []byte) error {
	defer g.changed()
	return g.Store.RevokeRegionKey(ctx, region, kid)
}

// Entry is a region with its keys.
type Entry struct {
	Region *healthcode.Region
	Keys   []*healthcode.RegionKey // revoked ones too, as added
}

// Regions returns every region with its keys, by id.
func (g *Registry) Regions(ctx context.Context) ([]Entry, error) {
	regions, err := g.Store.Regions(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := g.Store.RegionKeys(ctx, "")
	if err != nil {
		return nil, err
	}
	byRegion := map[string][]*healthcode.RegionKey{}
	for _, k := range keys {
		byRegion[k.Region] = append(byRegion[k.Region], k)
	}
	entries := make([]Entry, len(regions))
	for i, r := range regions {
		entries[i] = Entry{Region: r, Keys: byRegion[r.ID]}
	}
	return entries, nil
}
