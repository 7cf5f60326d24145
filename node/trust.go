package node

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/trust"
	"github.com/healthcode/healthcode/verify"
)

// TrustDocument builds the node's trust list (DESIGN §5): its own region
// and published keys. Once the node follows a hub, the hub's other regions
// join it here.
type TrustDocument struct {
	Keys         *KeyRing
	Region       string
	RegionName   string
	Endpoint     string
	CodeLifetime time.Duration
	Now          func() time.Time
	// Hub, when set, is the hub the node follows: every region of its list
	// but this one joins the list. Nil: this region alone.
	Hub *HubClient

	mu      sync.Mutex
	doc     []byte
	built   time.Time
	builtOn *trust.List // the hub list doc was built with

	verifierMu      sync.Mutex
	verifier        *verify.Verifier
	verifierBuilt   time.Time
	verifierBuiltOn *trust.List
}

// trustCacheFor bounds how stale a served list may be; the key ring's own
// cache already bounds how stale the keys are.
const trustCacheFor = 5 * time.Second

// List returns the trust list at now.
func (d *TrustDocument) List(ctx context.Context) (*trust.List, error) {
	l, _, err := d.list(ctx)
	return l, err
}

// list also answers the hub list it took regions from, so that the caches
// notice a new one.
func (d *TrustDocument) list(ctx context.Context) (*trust.List, *trust.List, error) {
	now := d.Now()
	keys, err := d.Keys.Keys(ctx)
	if err != nil {
		return nil, nil, err
	}
	hub := d.hubList()
	r := trust.Region{ID: d.Region, Name: d.name(hub), Mode: trust.ModeLocal, Endpoint: d.Endpoint,
		Keys: trustKeys(Published(keys, now, d.CodeLifetime))}
	l := &trust.List{Version: 1, IssuedAt: now.UTC().Truncate(time.Second), Issuer: "CN", Regions: []trust.Region{r}}
	if hub != nil {
		for _, hr := range hub.Regions {
			// This region's own keys are authoritative: the hub's copy of
			// them may lag a rotation or a revocation.
			if hr.ID != d.Region {
				l.Regions = append(l.Regions, hr)
			}
		}
	}
	return l, hub, nil
}

// Verify verifies code by the trust list at now. When it names a key (or
// a region) of another region that the list lacks, the hub's list is
// fetched at once (HubClient.FetchForUnknownKey: the region may have
// published it since the last refresh) and the code verified again.
func (d *TrustDocument) Verify(ctx context.Context, code string, now time.Time) (verify.Verdict, error) {
	v, err := d.Verifier(ctx)
	if err != nil {
		return verify.Verdict{}, err
	}
	vd := v.Verify(code, now)
	if vd.Error != verify.UnknownKID && vd.Error != verify.UnknownRegion {
		return vd, nil
	}
	if vd.Region == "" || vd.Region == d.Region || d.Hub == nil || !d.Hub.FetchForUnknownKey(ctx, vd.Region, vd.KID) {
		return vd, nil
	}
	if v, err = d.Verifier(ctx); err != nil {
		return verify.Verdict{}, err
	}
	return v.Verify(code, now), nil
}

// name is the region's name in the list: RegionName (--region-name), else
// the name the hub registered it under, else its id.
func (d *TrustDocument) name(hub *trust.List) string {
	if d.RegionName != "" {
		return d.RegionName
	}
	if hub != nil {
		if r := hub.Region(d.Region); r != nil && r.Name != "" {
			return r.Name
		}
	}
	return d.Region
}

func (d *TrustDocument) hubList() *trust.List {
	if d.Hub == nil {
		return nil
	}
	return d.Hub.List()
}

// fresh reports whether a cache built at built on the hub list on may
// still serve at now: it is young, and no other hub list has come since.
func (d *TrustDocument) fresh(built time.Time, on *trust.List, now time.Time) bool {
	return now.Sub(built) < trustCacheFor && !now.Before(built) && on == d.hubList()
}

// trustKeys returns keys as the trust list carries them.
func trustKeys(keys []*healthcode.SigningKey) []trust.Key {
	out := make([]trust.Key, 0, len(keys))
	for _, k := range keys {
		out = append(out, trust.Key{KID: k.KID, Alg: k.Alg, PublicKey: k.PublicKey,
			NotBefore: k.NotBefore, NotAfter: k.NotAfter, Revoked: k.Revoked})
	}
	return out
}

// JSON returns the list as served at GET /api/v1/trust.
func (d *TrustDocument) JSON(ctx context.Context) ([]byte, error) {
	now := d.Now()
	d.mu.Lock()
	if d.doc != nil && d.fresh(d.built, d.builtOn, now) {
		doc := d.doc
		d.mu.Unlock()
		return doc, nil
	}
	d.mu.Unlock()
	l, on, err := d.list(ctx)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(l)
	if err != nil {
		return nil, healthcode.Internal(err, "marshal trust list")
	}
	d.mu.Lock()
	d.doc, d.built, d.builtOn = doc, now, on
	d.mu.Unlock()
	return doc, nil
}

// Verifier returns a verifier of the list, rebuilt at most every few
// seconds and as soon as a new hub list arrives: checkpoints verify against
// what the node itself publishes.
func (d *TrustDocument) Verifier(ctx context.Context) (*verify.Verifier, error) {
	now := d.Now()
	d.verifierMu.Lock()
	defer d.verifierMu.Unlock()
	if d.verifier != nil && d.fresh(d.verifierBuilt, d.verifierBuiltOn, now) {
		return d.verifier, nil
	}
	l, on, err := d.list(ctx)
	if err != nil {
		return nil, err
	}
	// The regions the hub's list repeats keep their parsed keys.
	v, err := verify.NewVerifierFrom(d.verifier, l)
	if err != nil {
		return nil, healthcode.Internal(err, "trust list verifier")
	}
	d.verifier, d.verifierBuilt, d.verifierBuiltOn = v, now, on
	return v, nil
}
