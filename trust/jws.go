package trust

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

// SignJWS returns list as a JWS compact serialization signed by the hub
// with EdDSA, kid in its header (HubKID of the hub's public key is the
// convention).
func SignJWS(list *List, hubPrivate ed25519.PrivateKey, kid string) (string, error) {
	payload, err := json.Marshal(list)
	if err != nil {
		return "", healthcode.Internal(err, "marshal trust list")
	}
	opts := (&jose.SignerOptions{}).WithHeader("kid", kid)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: hubPrivate}, opts)
	if err != nil {
		return "", healthcode.Internal(err, "trust list signer")
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", healthcode.Internal(err, "sign trust list")
	}
	return obj.CompactSerialize()
}

// HubKID returns the key id of the hub's public key: the standard base64 of
// the first 8 bytes of its SHA-256, as for code-signing keys.
func HubKID(hubPublic ed25519.PublicKey) string {
	return base64.StdEncoding.EncodeToString(hcode.KID(healthcode.AlgEdDSA, hubPublic))
}
