package hcode

import (
	"crypto/ed25519"
	"testing"

	"github.com/healthcode/healthcode"
)

// BenchmarkSignHealth issues one Ed25519 health code: claims to text.
// Compare with BenchmarkEd25519Sign in the same run.
func BenchmarkSignHealth(b *testing.B) {
	s, _ := newSigner(b, healthcode.AlgEdDSA)
	c := sampleHealth()
	text, _ := s.SignHealth(c)
	b.ReportMetric(float64(len(text)), "chars")
	for b.Loop() {
		if _, err := s.SignHealth(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEd25519Sign is the floor for SignHealth: a bare ed25519.Sign of
// a message the size of the code's Sig_structure.
func BenchmarkEd25519Sign(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(nil)
	s, _ := newSigner(b, healthcode.AlgEdDSA)
	payload, _ := encMode.Marshal(healthToWire(sampleHealth()))
	msg := appendToBeSigned(nil, s.protected, payload)
	for b.Loop() {
		ed25519.Sign(priv, msg)
	}
}

func BenchmarkSignHealthES256(b *testing.B) {
	s, _ := newSigner(b, healthcode.AlgES256)
	c := sampleHealth()
	for b.Loop() {
		if _, err := s.SignHealth(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseHealth decodes a code without checking its signature.
func BenchmarkParseHealth(b *testing.B) {
	s, _ := newSigner(b, healthcode.AlgEdDSA)
	text, _ := s.SignHealth(sampleHealth())
	for b.Loop() {
		if _, err := ParseHealth(text); err != nil {
			b.Fatal(err)
		}
	}
}
