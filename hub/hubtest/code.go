package hubtest

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/base45"
	"github.com/healthcode/healthcode/hcode"
)

// CodeSigner is a region's code signer with its public key as the hub
// registers it.
type CodeSigner struct {
	*hcode.Signer
	Region string
}

// NewCodeSigner makes a key pair of alg that signs region's codes.
func NewCodeSigner(tb testing.TB, region, alg string) *CodeSigner {
	tb.Helper()
	_, pkcs8, err := hcode.GenerateKey(alg)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := hcode.NewSigner(alg, pkcs8)
	if err != nil {
		tb.Fatal(err)
	}
	return &CodeSigner{Signer: s, Region: region}
}

// RegionKey returns the public key as AddRegion takes it.
func (s *CodeSigner) RegionKey() *healthcode.RegionKey {
	return &healthcode.RegionKey{Alg: s.Alg(), PublicKey: s.PublicKey()}
}

// Code signs a health code of the signer's region issued at iat, living
// five minutes, of colour, with action required when action.
func (s *CodeSigner) Code(tb testing.TB, iat time.Time, colour healthcode.Colour, action bool) string {
	tb.Helper()
	subject, cti := make([]byte, 16), make([]byte, 16)
	rand.Read(subject)
	rand.Read(cti)
	text, err := s.SignHealth(&hcode.HealthClaims{Issuer: s.Region, IssuedAt: iat, ExpiresAt: iat.Add(5 * time.Minute), CTI: cti,
		Subject: subject, Colour: colour, Action: action, Name: "张*", IDMasked: "11**************22"})
	if err != nil {
		tb.Fatal(err)
	}
	return text
}

// TamperSignature returns code with the last byte of its signature
// changed, its kid and claims kept: a forgery that names a held key.
func TamperSignature(tb testing.TB, code string) string {
	tb.Helper()
	z, err := base45.Decode(strings.TrimPrefix(code, hcode.HealthPrefix))
	if err != nil {
		tb.Fatal(err)
	}
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		tb.Fatal(err)
	}
	cose, err := io.ReadAll(r)
	if err != nil {
		tb.Fatal(err)
	}
	cose[len(cose)-1] ^= 1 // the signature is the COSE_Sign1's last element
	// A decoder reads bytes that do not start with a zlib header as they are.
	return hcode.HealthPrefix + base45.Encode(cose)
}
