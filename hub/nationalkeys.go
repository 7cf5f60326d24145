package hub

import (
	"context"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/trust"
)

// The hub's own region, CN, signs national codes with keys kept like a
// node's (node.KeyRing over the store's signing-key table, private parts
// sealed) and listed in the trust list like a region's.

// NationalRegionName is region CN's name in the trust list.
const NationalRegionName = "国家"

// NationalKeyLead is how long after `hub keys rotate` the new key starts
// signing. It is in the trust list at once; nodes fetch the list every 5
// minutes by default (--hub-refresh), so they hold the new key before the
// first national code it signs.
const NationalKeyLead = 10 * time.Minute

// NationalKeys returns the keys of region CN, newest first, revoked ones
// too, making the first (EdDSA) when none can sign now: on first use, or
// after every key was revoked.
func (g *Registry) NationalKeys(ctx context.Context) ([]*healthcode.SigningKey, error) {
	keys, err := g.national.Keys(ctx)
	if err != nil {
		return nil, err
	}
	now := g.Now()
	for _, k := range keys {
		if k.ActiveAt(now) {
			return keys, nil
		}
	}
	if err := g.national.Ensure(ctx, healthcode.AlgEdDSA); err != nil {
		return nil, err
	}
	return g.national.Keys(ctx)
}

// RotateNationalKey adds a key of alg to region CN that signs from lead on
// (NationalKeyLead, or 0 to replace a leaked key at once); the key signing
// now goes on until then, and node.RotationGrace more.
func (g *Registry) RotateNationalKey(ctx context.Context, alg string, lead time.Duration) (*healthcode.SigningKey, error) {
	// A first key, so that something signs during the lead.
	if _, err := g.NationalKeys(ctx); err != nil {
		return nil, err
	}
	return g.national.RotateAfter(ctx, alg, lead)
}

// RevokeNationalKey revokes the key of region CN with id (as `hub keys
// list` shows it): the national codes it signed stop verifying at each
// node's next fetch of the list.
func (g *Registry) RevokeNationalKey(ctx context.Context, id int64) error {
	return g.national.Revoke(ctx, id)
}

// NationalSigner returns the signer of region CN's newest key that may
// sign at now: national codes, exchanged (way 2) or issued to the people
// of a region the hub hosts (way 3), are signed with it.
func (g *Registry) NationalSigner(ctx context.Context, now time.Time) (*hcode.Signer, error) {
	if _, err := g.NationalKeys(ctx); err != nil {
		return nil, err
	}
	return g.national.Signer(ctx, now)
}

// nationalRegion is region CN as the trust list carries it: its keys until
// the last code each signed has expired, then keys a region CN registered
// before the hub issued codes itself still holds.
func (g *Registry) nationalRegion(ctx context.Context, now time.Time, registered []*healthcode.RegionKey) (trust.Region, error) {
	keys, err := g.NationalKeys(ctx)
	if err != nil {
		return trust.Region{}, err
	}
	r := trust.Region{ID: healthcode.NationalRegion, Name: NationalRegionName, Mode: trust.ModeNational, Keys: []trust.Key{}}
	for _, k := range node.Published(keys, now, healthcode.NationalCodeLifetime) {
		r.Keys = append(r.Keys, trust.Key{KID: k.KID, Alg: k.Alg, PublicKey: k.PublicKey,
			NotBefore: k.NotBefore, NotAfter: k.NotAfter, Revoked: k.Revoked})
	}
	for _, k := range registered {
		r.Keys = append(r.Keys, trust.Key{KID: k.KID, Alg: k.Alg, PublicKey: k.PublicKey,
			NotBefore: k.NotBefore, NotAfter: k.NotAfter, Revoked: k.Revoked})
	}
	return r, nil
}
