package hub

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/trust"
)

// TrustListMaxAge bounds the age of the served list: signed again at least
// this often so its issued_at stays fresh, as nodes refuse a list older
// than the one they hold.
const TrustListMaxAge = time.Hour

type cachedList struct {
	signed     healthcode.SignedTrustList
	generation int64 // of the store when the list was read
	built      time.Time
}

// TrustList returns the trust list signed by the hub. It is signed again
// when the store's generation moved (a region or key changed, here or in
// another process) or it is TrustListMaxAge old; otherwise the same bytes
// and ETag are served.
func (g *Registry) TrustList(ctx context.Context) (*healthcode.SignedTrustList, error) {
	// The generation is read before the list: a change in between makes
	// the next call build again, never serves a stale list as current.
	gen, err := g.Store.HubGeneration(ctx)
	if err != nil {
		return nil, err
	}
	now := g.Now()
	g.listMu.Lock()
	defer g.listMu.Unlock()
	if c := g.list; c != nil && c.generation == gen && now.Sub(c.built) < TrustListMaxAge && !now.Before(c.built) {
		out := c.signed
		return &out, nil
	}
	signed, err := g.signList(ctx, now)
	if err != nil {
		return nil, err
	}
	g.list = &cachedList{signed: *signed, generation: gen, built: now}
	return signed, nil
}

// List builds the trust list from the store, unsigned: every region with
// every key, revoked ones marked.
func (g *Registry) List(ctx context.Context, now time.Time) (*trust.List, error) {
	entries, err := g.Regions(ctx)
	if err != nil {
		return nil, err
	}
	l := &trust.List{Version: 1, IssuedAt: now.UTC().Truncate(time.Second), Issuer: healthcode.NationalRegion,
		Regions: make([]trust.Region, 0, len(entries))}
	for _, e := range entries {
		r := trust.Region{ID: e.Region.ID, Name: e.Region.Name, Mode: e.Region.Mode, Endpoint: e.Region.Endpoint,
			Keys: make([]trust.Key, 0, len(e.Keys))}
		for _, k := range e.Keys {
			r.Keys = append(r.Keys, trust.Key{KID: k.KID, Alg: k.Alg, PublicKey: k.PublicKey,
				NotBefore: k.NotBefore, NotAfter: k.NotAfter, Revoked: k.Revoked})
		}
		l.Regions = append(l.Regions, r)
	}
	return l, nil
}

func (g *Registry) signList(ctx context.Context, now time.Time) (*healthcode.SignedTrustList, error) {
	key, err := g.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	l, err := g.List(ctx, now)
	if err != nil {
		return nil, err
	}
	pub := key.Public().(ed25519.PublicKey)
	jws, err := trust.SignJWS(l, key, trust.HubKID(pub))
	if err != nil {
		return nil, err
	}
	// What goes in was validated, but a list verifiers refuse would cut
	// every region off: read it back as they will before serving it.
	if _, err := trust.Parse([]byte(jws), pub); err != nil {
		return nil, healthcode.Internal(err, "the signed trust list does not parse")
	}
	sum := sha256.Sum256([]byte(jws))
	return &healthcode.SignedTrustList{JWS: []byte(jws), IssuedAt: l.IssuedAt,
		ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}, nil
}
