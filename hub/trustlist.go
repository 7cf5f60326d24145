package hub

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/trust"
	"github.com/healthcode/healthcode/verify"
)

// TrustListMaxAge bounds the age of the served list: signed again at least
// this often so its issued_at stays fresh, as nodes refuse a list older
// than the one they hold.
const TrustListMaxAge = time.Hour

type cachedList struct {
	signed     healthcode.SignedTrustList
	list       *trust.List
	generation int64  // of the store when the list was read
	national   string // region CN's keys as listed, see nationalPrint
	built      time.Time

	// The exchange verifies codes against the list served: its verifier
	// is built once per list, when first asked for.
	verifierOnce sync.Once
	verifier     *verify.Verifier
	verifierErr  error
}

// TrustList returns the trust list signed by the hub. It is signed again
// when the store's generation moved (a region or key changed, here or in
// another process), when region CN's listed keys changed (a rotation, a
// key whose codes have all expired), or it is TrustListMaxAge old;
// otherwise the same bytes and ETag are served.
func (g *Registry) TrustList(ctx context.Context) (*healthcode.SignedTrustList, error) {
	c, err := g.current(ctx)
	if err != nil {
		return nil, err
	}
	out := c.signed
	return &out, nil
}

// current returns the list served now, building and signing it again
// when TrustList says.
func (g *Registry) current(ctx context.Context) (*cachedList, error) {
	// The generation is read before the list: a change in between makes
	// the next call build again, never serves a stale list as current.
	gen, err := g.generation(ctx)
	if err != nil {
		return nil, err
	}
	now := g.Now()
	national, err := g.nationalRegion(ctx, now, nil)
	if err != nil {
		return nil, err
	}
	np := nationalPrint(national)
	g.listMu.Lock()
	defer g.listMu.Unlock()
	if c := g.list; c != nil && c.generation == gen && c.national == np &&
		now.Sub(c.built) < TrustListMaxAge && !now.Before(c.built) {
		return c, nil
	}
	l, err := g.List(ctx, now)
	if err != nil {
		return nil, err
	}
	signed, err := g.signList(ctx, l)
	if err != nil {
		return nil, err
	}
	g.list = &cachedList{signed: *signed, list: l, generation: gen, national: np, built: now}
	return g.list, nil
}

// nationalPrint sums up what the list says of region CN's keys, so that a
// cached list is signed again when that changes.
func nationalPrint(r trust.Region) string {
	var b strings.Builder
	for _, k := range r.Keys {
		fmt.Fprintf(&b, "%x %d %d %v;", k.KID, k.NotBefore.UnixMicro(), k.NotAfter.UnixMicro(), k.Revoked)
	}
	return b.String()
}

// verifierOf returns the verifier of the cached list.
func (c *cachedList) verifierOf() (*verify.Verifier, error) {
	c.verifierOnce.Do(func() {
		c.verifier, c.verifierErr = verify.NewVerifier(c.list)
		if c.verifierErr != nil {
			c.verifierErr = healthcode.Internal(c.verifierErr, "trust list verifier")
		}
	})
	return c.verifier, c.verifierErr
}

// List builds the trust list from the store, unsigned: region CN with the
// hub's keys, then every registered region with every key, revoked ones
// marked.
func (g *Registry) List(ctx context.Context, now time.Time) (*trust.List, error) {
	entries, err := g.Regions(ctx)
	if err != nil {
		return nil, err
	}
	// A region CN registered before the hub issued codes itself lends its
	// keys to the hub's; the list names CN once.
	var registeredCN []*healthcode.RegionKey
	for _, e := range entries {
		if e.Region.ID == healthcode.NationalRegion {
			registeredCN = e.Keys
		}
	}
	national, err := g.nationalRegion(ctx, now, registeredCN)
	if err != nil {
		return nil, err
	}
	l := &trust.List{Version: 1, IssuedAt: now.UTC().Truncate(time.Second), Issuer: healthcode.NationalRegion,
		Regions: make([]trust.Region, 0, len(entries)+1)}
	l.Regions = append(l.Regions, national)
	for _, e := range entries {
		if e.Region.ID == healthcode.NationalRegion {
			continue
		}
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

func (g *Registry) signList(ctx context.Context, l *trust.List) (*healthcode.SignedTrustList, error) {
	key, err := g.signingKey(ctx)
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
