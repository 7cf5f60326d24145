package hub

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/trust"
)

// PublicKey returns the hub's trust-list key id and public key, making
// the key on first use.
func (g *Registry) PublicKey(ctx context.Context) (string, []byte, error) {
	priv, err := g.signingKey(ctx)
	if err != nil {
		return "", nil, err
	}
	pub := priv.Public().(ed25519.PublicKey)
	return trust.HubKID(pub), pub, nil
}

// signingKey loads the hub's key, or makes one: the store keeps whichever
// key was stored first, so hubs starting together over one database agree.
func (g *Registry) signingKey(ctx context.Context) (ed25519.PrivateKey, error) {
	g.keyMu.Lock()
	defer g.keyMu.Unlock()
	if g.key != nil {
		return g.key, nil
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, healthcode.Internal(err, "generate hub key")
	}
	k, err := g.Store.EnsureHubKey(ctx, &healthcode.HubKey{PublicKey: pub, PrivateKey: priv.Seed(), CreatedAt: g.Now()})
	if err != nil {
		return nil, err
	}
	if len(k.PrivateKey) != ed25519.SeedSize {
		return nil, healthcode.Errorf(healthcode.EINTERNAL, "hub key: stored seed is %d bytes", len(k.PrivateKey))
	}
	key := ed25519.NewKeyFromSeed(k.PrivateKey)
	if !bytes.Equal(key.Public().(ed25519.PublicKey), k.PublicKey) {
		return nil, healthcode.Errorf(healthcode.EINTERNAL, "hub key: stored public key does not match its seed")
	}
	g.key = key
	return key, nil
}
