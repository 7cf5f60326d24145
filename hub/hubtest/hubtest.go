// Package hubtest makes what a region sends the hub, for tests: key pairs,
// and key sets and batches signed as docs/federation.md says.
package hubtest

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/trust"
)

// Key is a region's code-signing key pair.
type Key struct {
	Alg     string
	Public  []byte // as in the trust list
	Private crypto.Signer
}

// NewKey makes a key pair of alg (EdDSA or ES256).
func NewKey(tb testing.TB, alg string) *Key {
	tb.Helper()
	pub, pkcs8, err := hcode.GenerateKey(alg)
	if err != nil {
		tb.Fatal(err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(pkcs8)
	if err != nil {
		tb.Fatal(err)
	}
	return &Key{Alg: alg, Public: pub, Private: priv.(crypto.Signer)}
}

// KID returns the key id.
func (k *Key) KID() []byte { return hcode.KID(k.Alg, k.Public) }

// Base64 returns the public key in standard base64, as `hub region add
// --key ALG:BASE64` takes it.
func (k *Key) Base64() string { return base64.StdEncoding.EncodeToString(k.Public) }

// Entry returns the key as a key set lists it.
func (k *Key) Entry(notBefore, notAfter time.Time, revoked bool) trust.Key {
	return trust.Key{KID: k.KID(), Alg: k.Alg, PublicKey: k.Public, NotBefore: notBefore, NotAfter: notAfter, Revoked: revoked}
}

// KeySet is the payload of a key set upload.
type KeySet struct {
	Region   string      `json:"region"`
	IssuedAt time.Time   `json:"issued_at"`
	Keys     []trust.Key `json:"keys"`
}

// Sign returns payload (a KeySet, or anything to marshal) as a JWS compact
// serialization signed by k, its kid in the header.
func Sign(tb testing.TB, k *Key, payload any) string {
	tb.Helper()
	return SignAs(tb, k, base64.StdEncoding.EncodeToString(k.KID()), payload)
}

// SignAs is Sign with the header's kid given, to claim another key.
func SignAs(tb testing.TB, k *Key, kid string, payload any) string {
	tb.Helper()
	data, err := json.Marshal(payload)
	if err != nil {
		tb.Fatal(err)
	}
	alg := jose.EdDSA
	if k.Alg == "ES256" {
		alg = jose.ES256
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k.Private}, (&jose.SignerOptions{}).WithHeader("kid", kid))
	if err != nil {
		tb.Fatal(err)
	}
	obj, err := signer.Sign(data)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
