package hcode

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"sync"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/base45"
)

// Signer issues codes under one private key. It is safe for concurrent use.
type Signer struct {
	alg       string
	kid       []byte
	publicKey []byte
	protected []byte // encoded protected header, the same for every code
	ed        ed25519.PrivateKey
	ec        *ecdsa.PrivateKey
}

// NewSigner returns a Signer for a PKCS #8 private key of alg
// (healthcode.AlgEdDSA or healthcode.AlgES256).
func NewSigner(alg string, privateKeyPKCS8 []byte) (*Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(privateKeyPKCS8)
	if err != nil {
		return nil, &healthcode.Error{Code: healthcode.EINVALID, Message: "private key is not PKCS #8", Err: err}
	}
	s := &Signer{alg: alg}
	switch k := k.(type) {
	case ed25519.PrivateKey:
		if alg != healthcode.AlgEdDSA {
			return nil, healthcode.Errorf(healthcode.EINVALID, "an Ed25519 key signs EdDSA, not %q", alg)
		}
		s.ed = k
		s.publicKey, err = MarshalPublicKey(k.Public())
	case *ecdsa.PrivateKey:
		if alg != healthcode.AlgES256 || k.Curve != elliptic.P256() {
			return nil, healthcode.Errorf(healthcode.EINVALID, "ES256 needs a P-256 key")
		}
		s.ec = k
		s.publicKey, err = MarshalPublicKey(&k.PublicKey)
	default:
		return nil, healthcode.Errorf(healthcode.EINVALID, "unsupported private key type %T", k)
	}
	if err != nil {
		return nil, err
	}
	s.kid = KID(alg, s.publicKey)
	id, _ := coseAlg(alg)
	if s.protected, err = encMode.Marshal(protectedHeader{Alg: id, KID: s.kid}); err != nil {
		return nil, healthcode.Internal(err, "encode protected header")
	}
	return s, nil
}

// Alg returns the signing algorithm.
func (s *Signer) Alg() string { return s.alg }

// KID returns the key id put into every code.
func (s *Signer) KID() []byte { return append([]byte(nil), s.kid...) }

// PublicKey returns the public key in the trust list's encoding.
func (s *Signer) PublicKey() []byte { return append([]byte(nil), s.publicKey...) }

// SignHealth returns the health code text for c: CNHC1:base45(zlib(COSE)).
func (s *Signer) SignHealth(c *HealthClaims) (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	return s.sign(HealthPrefix, healthToWire(c), true)
}

// SignPlace returns the place code text for c: CNPC1:base45(COSE).
func (s *Signer) SignPlace(c *PlaceClaims) (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	return s.sign(PlacePrefix, placeToWire(c), false)
}

type scratch struct {
	tbs, cose []byte
	zbuf      bytes.Buffer
	text      []byte
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

func (s *Signer) sign(prefix string, claims *cwtClaims, compress bool) (string, error) {
	payload, err := encMode.Marshal(claims)
	if err != nil {
		return "", healthcode.Internal(err, "encode claims")
	}
	b := scratches.Get().(*scratch)
	defer scratches.Put(b)

	b.tbs = appendToBeSigned(b.tbs[:0], s.protected, payload)
	sig, err := s.signature(b.tbs)
	if err != nil {
		return "", healthcode.Internal(err, "sign code")
	}
	b.cose = appendSign1(b.cose[:0], s.protected, payload, sig)
	body := b.cose
	if compress {
		b.zbuf.Reset()
		appendCompress(&b.zbuf, b.cose)
		body = b.zbuf.Bytes()
	}
	b.text = append(b.text[:0], prefix...)
	b.text = base45.AppendEncode(b.text, body)
	return string(b.text), nil
}

// signature signs the Sig_structure; an ES256 signature is r‖s, 64 bytes,
// as COSE requires (not ASN.1).
func (s *Signer) signature(tbs []byte) ([]byte, error) {
	if s.ed != nil {
		return ed25519.Sign(s.ed, tbs), nil
	}
	h := sha256.Sum256(tbs)
	r, ss, err := ecdsa.Sign(rand.Reader, s.ec, h[:])
	if err != nil {
		return nil, err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	return sig, nil
}
