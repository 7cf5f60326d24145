package hub

import (
	"context"
	"crypto/ed25519"
	"encoding/json"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/trust"
)

// sign returns s as a JWS compact serialization signed by the hub's key
// with EdDSA, its key id in the header: the key and kid of the trust list,
// which every node pins.
func (r *Resolver) sign(ctx context.Context, s *healthcode.NationalStatus) (string, error) {
	signer, err := r.statusSigner(ctx)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(s)
	if err != nil {
		return "", healthcode.Internal(err, "marshal national status")
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", healthcode.Internal(err, "sign national status")
	}
	return obj.CompactSerialize()
}

func (r *Resolver) statusSigner(ctx context.Context) (jose.Signer, error) {
	r.signerMu.Lock()
	defer r.signerMu.Unlock()
	if r.signer != nil {
		return r.signer, nil
	}
	key, err := r.Hub.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	opts := (&jose.SignerOptions{}).WithHeader("kid", trust.HubKID(key.Public().(ed25519.PublicKey)))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, opts)
	if err != nil {
		return nil, healthcode.Internal(err, "national status signer")
	}
	r.signer = signer
	return signer, nil
}
