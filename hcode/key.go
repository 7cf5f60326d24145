package hcode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"sync"
	"sync/atomic"

	"github.com/healthcode/healthcode"
)

// KID returns the key id of a public key in the trust list's encoding (raw
// 32 bytes for Ed25519, DER SubjectPublicKeyInfo for ECDSA): the first 8
// bytes of its SHA-256. alg is accepted for symmetry with the trust list;
// both encodings are hashed the same way.
func KID(alg string, publicKey []byte) []byte {
	sum := sha256.Sum256(publicKey)
	return sum[:8]
}

// GenerateKey returns a new key pair for alg: the public key in the trust
// list's encoding and the private key as PKCS #8 DER.
func GenerateKey(alg string) (publicKey, privatePKCS8 []byte, err error) {
	var priv crypto.Signer
	switch alg {
	case healthcode.AlgEdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		priv = k
	case healthcode.AlgES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		priv = k
	default:
		return nil, nil, healthcode.Errorf(healthcode.EINVALID, "unknown algorithm %q", alg)
	}
	if publicKey, err = MarshalPublicKey(priv.Public()); err != nil {
		return nil, nil, err
	}
	if privatePKCS8, err = x509.MarshalPKCS8PrivateKey(priv); err != nil {
		return nil, nil, err
	}
	return publicKey, privatePKCS8, nil
}

// MarshalPublicKey encodes an ed25519.PublicKey as its 32 raw bytes and an
// *ecdsa.PublicKey as DER SubjectPublicKeyInfo.
func MarshalPublicKey(pub crypto.PublicKey) ([]byte, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return append([]byte(nil), k...), nil
	case *ecdsa.PublicKey:
		return x509.MarshalPKIXPublicKey(k)
	}
	return nil, healthcode.Errorf(healthcode.EINVALID, "unsupported public key type %T", pub)
}

// ParsePublicKey decodes a public key of the trust list: for EdDSA an
// ed25519.PublicKey, for ES256 a P-256 *ecdsa.PublicKey.
func ParsePublicKey(alg string, b []byte) (crypto.PublicKey, error) {
	switch alg {
	case healthcode.AlgEdDSA:
		if len(b) != ed25519.PublicKeySize {
			return nil, healthcode.Errorf(healthcode.EINVALID, "Ed25519 public key must be %d bytes, not %d", ed25519.PublicKeySize, len(b))
		}
		return ed25519.PublicKey(append([]byte(nil), b...)), nil
	case healthcode.AlgES256:
		if k, ok := parsedES256.Load(string(b)); ok {
			return k.(*ecdsa.PublicKey), nil
		}
		k, err := x509.ParsePKIXPublicKey(b)
		if err != nil {
			return nil, &healthcode.Error{Code: healthcode.EINVALID, Message: "ES256 public key is not DER SubjectPublicKeyInfo", Err: err}
		}
		ek, ok := k.(*ecdsa.PublicKey)
		if !ok || ek.Curve != elliptic.P256() {
			return nil, healthcode.Errorf(healthcode.EINVALID, "ES256 public key is not a P-256 key")
		}
		if parsedCount.Add(1) > maxParsedES256 {
			parsedES256.Clear()
			parsedCount.Store(1)
		}
		parsedES256.Store(string(b), ek)
		return ek, nil
	}
	return nil, healthcode.Errorf(healthcode.EINVALID, "unknown algorithm %q", alg)
}

// Parsed ES256 keys by their DER: a trust list is read again at every
// refresh with mostly the same keys, and parsing one is most of the work
// of indexing it (x509 and ASN.1). An *ecdsa.PublicKey is never changed
// once made. The cache is emptied past maxParsedES256 keys, far more than
// 400 regions hold.
var (
	parsedES256 sync.Map
	parsedCount atomic.Int64
)

const maxParsedES256 = 20_000
