package hub

import (
	"encoding/base64"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

// signedJWS is what a region signs for the hub (a key set, a batch): a JWS
// compact serialization, parsed, before its signature is checked, as the
// key to check it with depends on what it says and what the hub holds.
type signedJWS struct {
	jws *jose.JSONWebSignature
	kid []byte // the header's, decoded
	alg string // the header's, as a trust list alg
}

// parseJWS reads signed: one signature, EdDSA or ES256, a kid in standard
// base64 in its header. Every error is EINVALID.
func parseJWS(signed string) (*signedJWS, error) {
	jws, err := jose.ParseSignedCompact(signed, []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256})
	if err != nil {
		return nil, &healthcode.Error{Code: healthcode.EINVALID, Message: "signed: not a JWS compact serialization signed with EdDSA or ES256", Err: err}
	}
	if len(jws.Signatures) != 1 {
		return nil, healthcode.Errorf(healthcode.EINVALID, "signed: want one signature")
	}
	h := jws.Signatures[0].Header
	kid, err := base64.StdEncoding.DecodeString(h.KeyID)
	if err != nil || len(kid) == 0 {
		return nil, healthcode.Errorf(healthcode.EINVALID, "signed: the JWS header's kid must be the signing key's id in standard base64")
	}
	return &signedJWS{jws: jws, kid: kid, alg: h.Algorithm}, nil
}

// payload returns the payload, not yet verified.
func (s *signedJWS) payload() []byte { return s.jws.UnsafePayloadWithoutVerification() }

// kidString is the header's kid as the messages name it.
func (s *signedJWS) kidString() string { return base64.StdEncoding.EncodeToString(s.kid) }

// heldSigner returns the key of held under the header's kid, nil when the
// hub holds none or only a revoked one.
func (s *signedJWS) heldSigner(held []*healthcode.RegionKey) *healthcode.RegionKey {
	for _, k := range held {
		if string(k.KID) == string(s.kid) && !k.Revoked {
			return k
		}
	}
	return nil
}

// verifyBy checks that signer, the key the header names, made the
// signature with its own alg. what names the document in the messages
// ("the key set"); every error is EFORBIDDEN.
func (s *signedJWS) verifyBy(signer *healthcode.RegionKey, what string) error {
	pub, err := hcode.ParsePublicKey(signer.Alg, signer.PublicKey)
	if err != nil {
		return err
	}
	if s.alg != signer.Alg {
		return healthcode.Errorf(healthcode.EFORBIDDEN, "%s is signed with %s but key %s is an %s key", what, s.alg, s.kidString(), signer.Alg)
	}
	if _, err := s.jws.Verify(pub); err != nil {
		return &healthcode.Error{Code: healthcode.EFORBIDDEN, Message: what + "'s signature does not verify under key " + s.kidString(), Err: err}
	}
	return nil
}
