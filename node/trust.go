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
// and published keys. Once the node follows a hub, the hub's regions join
// it here.
type TrustDocument struct {
	Keys         *KeyRing
	Region       string
	RegionName   string
	Endpoint     string
	CodeLifetime time.Duration
	Now          func() time.Time

	mu    sync.Mutex
	doc   []byte
	built time.Time

	verifierMu    sync.Mutex
	verifier      *verify.Verifier
	verifierBuilt time.Time
}

// trustCacheFor bounds how stale a served list may be; the key ring's own
// cache already bounds how stale the keys are.
const trustCacheFor = 5 * time.Second

// List returns the trust list at now.
func (d *TrustDocument) List(ctx context.Context) (*trust.List, error) {
	now := d.Now()
	keys, err := d.Keys.Keys(ctx)
	if err != nil {
		return nil, err
	}
	name := d.RegionName
	if name == "" {
		name = d.Region
	}
	r := trust.Region{ID: d.Region, Name: name, Mode: trust.ModeLocal, Endpoint: d.Endpoint, Keys: []trust.Key{}}
	for _, k := range Published(keys, now, d.CodeLifetime) {
		r.Keys = append(r.Keys, trust.Key{KID: k.KID, Alg: k.Alg, PublicKey: k.PublicKey,
			NotBefore: k.NotBefore, NotAfter: k.NotAfter, Revoked: k.Revoked})
	}
	return &trust.List{Version: 1, IssuedAt: now.UTC().Truncate(time.Second), Issuer: "CN", Regions: []trust.Region{r}}, nil
}

// JSON returns the list as served at GET /api/v1/trust.
func (d *TrustDocument) JSON(ctx context.Context) ([]byte, error) {
	now := d.Now()
	d.mu.Lock()
	if d.doc != nil && now.Sub(d.built) < trustCacheFor && !now.Before(d.built) {
		doc := d.doc
		d.mu.Unlock()
		return doc, nil
	}
	d.mu.Unlock()
	l, err := d.List(ctx)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(l)
	if err != nil {
		return nil, healthcode.Internal(err, "marshal trust list")
	}
	d.mu.Lock()
	d.doc, d.built = doc, now
	d.mu.Unlock()
	return doc, nil
}

// Verifier returns a verifier of the list, rebuilt at most every few
// seconds: checkpoints verify against what the node itself publishes.
func (d *TrustDocument) Verifier(ctx context.Context) (*verify.Verifier, error) {
	now := d.Now()
	d.verifierMu.Lock()
	defer d.verifierMu.Unlock()
	if d.verifier != nil && now.Sub(d.verifierBuilt) < trustCacheFor && !now.Before(d.verifierBuilt) {
		return d.verifier, nil
	}
	l, err := d.List(ctx)
	if err != nil {
		return nil, err
	}
	v, err := verify.NewVerifier(l)
	if err != nil {
		return nil, healthcode.Internal(err, "trust list verifier")
	}
	d.verifier, d.verifierBuilt = v, now
	return v, nil
}
