package hcode

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"math/big"
	"strings"
	"sync"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/base45"
)

// Parsed is a code decoded without any key: its header, its claims and what
// VerifySignature needs.
type Parsed struct {
	Alg    string        // healthcode.AlgEdDSA or healthcode.AlgES256
	KID    []byte        // key id from the protected header
	Health *HealthClaims // set by ParseHealth
	Place  *PlaceClaims  // set by ParsePlace

	toBeSigned []byte
	signature  []byte
}

// Issuer returns the iss claim of the code.
func (p *Parsed) Issuer() string {
	if p.Health != nil {
		return p.Health.Issuer
	}
	if p.Place != nil {
		return p.Place.Issuer
	}
	return ""
}

// ParseHealth decodes a health code text. Errors wrap ErrPrefix, ErrBase45,
// ErrCompression, ErrCOSE or ErrClaims. The signature is not checked.
func ParseHealth(text string) (*Parsed, error) {
	p, claims, err := parse(text, HealthPrefix, true)
	if err != nil {
		return nil, err
	}
	if p.Health, err = healthFromWire(claims); err != nil {
		return nil, err
	}
	return p, nil
}

// ParsePlace decodes a place code text. Errors wrap ErrPrefix, ErrBase45,
// ErrCompression, ErrCOSE or ErrClaims. The signature is not checked.
func ParsePlace(text string) (*Parsed, error) {
	p, claims, err := parse(text, PlacePrefix, false)
	if err != nil {
		return nil, err
	}
	if p.Place, err = placeFromWire(claims); err != nil {
		return nil, err
	}
	return p, nil
}

// parseScratch holds the decoded and inflated bytes of one parse; the CBOR
// decoder copies what it keeps, so the scratch goes back to the pool.
type parseScratch struct {
	raw      []byte
	inflated bytes.Buffer
}

var parseScratches = sync.Pool{New: func() any { return new(parseScratch) }}

func parse(text, prefix string, mayCompress bool) (*Parsed, *cwtClaims, error) {
	rest, ok := strings.CutPrefix(text, prefix)
	if !ok {
		return nil, nil, invalid(ErrPrefix, "not a "+strings.TrimSuffix(prefix, ":")+" code", nil)
	}
	sc := parseScratches.Get().(*parseScratch)
	defer parseScratches.Put(sc)
	raw, err := base45.AppendDecode(sc.raw[:0], rest)
	sc.raw = raw
	if err != nil {
		return nil, nil, invalid(ErrBase45, "code is not valid base45", err)
	}
	if mayCompress && len(raw) > 0 && raw[0] == zlibHeader {
		sc.inflated.Reset()
		if err := inflate(&sc.inflated, raw); err != nil {
			return nil, nil, invalid(ErrCompression, "code does not decompress", err)
		}
		raw = sc.inflated.Bytes()
	}
	m, h, err := decodeSign1(raw)
	if err != nil {
		return nil, nil, err
	}
	alg, ok := algName(h.Alg)
	if !ok {
		return nil, nil, invalid(ErrCOSE, "unsupported COSE algorithm", nil)
	}
	var claims cwtClaims
	if err := decMode.Unmarshal(m.Payload, &claims); err != nil {
		return nil, nil, invalid(ErrClaims, "claims are not a CWT claims map", err)
	}
	p := &Parsed{
		Alg:        alg,
		KID:        h.KID,
		toBeSigned: appendToBeSigned(make([]byte, 0, toBeSignedLen(m.Protected, m.Payload)), m.Protected, m.Payload),
		signature:  m.Signature,
	}
	return p, &claims, nil
}

// VerifySignature checks the code's signature under pub, an
// ed25519.PublicKey or *ecdsa.PublicKey as ParsePublicKey returns. The error
// wraps ErrSignature when the signature does not hold or pub does not fit
// the code's algorithm.
func (p *Parsed) VerifySignature(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if p.Alg == healthcode.AlgEdDSA && len(k) == ed25519.PublicKeySize && ed25519.Verify(k, p.toBeSigned, p.signature) {
			return nil
		}
	case *ecdsa.PublicKey:
		if p.Alg == healthcode.AlgES256 && len(p.signature) == 64 {
			h := sha256.Sum256(p.toBeSigned)
			r := new(big.Int).SetBytes(p.signature[:32])
			s := new(big.Int).SetBytes(p.signature[32:])
			if ecdsa.Verify(k, h[:], r, s) {
				return nil
			}
		}
	}
	return invalid(ErrSignature, "signature does not verify", nil)
}

// ToBeSigned returns the COSE Sig_structure the signature covers, for
// callers that check signatures with their own cryptography.
func (p *Parsed) ToBeSigned() []byte { return p.toBeSigned }

// Signature returns the raw signature (64 bytes: Ed25519, or r‖s for ES256).
func (p *Parsed) Signature() []byte { return p.signature }
