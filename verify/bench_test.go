package verify

import (
	"crypto/ed25519"
	"testing"

	"github.com/healthcode/healthcode/hcode"
)

// BenchmarkVerify verifies one Ed25519 code end to end. Compare with
// BenchmarkEd25519Verify in the same run.
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b)
	v, _ := NewVerifier(f.list)
	text := sign(b, f.good, "CN-330100")
	for b.Loop() {
		if got := v.Verify(text, iat); !got.Valid {
			b.Fatal(got.Error)
		}
	}
}

// BenchmarkEd25519Verify is the floor for BenchmarkVerify: a bare
// ed25519.Verify of the same code's Sig_structure.
func BenchmarkEd25519Verify(b *testing.B) {
	f := newFixture(b)
	p, _ := hcode.ParseHealth(sign(b, f.good, "CN-330100"))
	pub := ed25519.PublicKey(f.good.PublicKey())
	msg, sig := p.ToBeSigned(), p.Signature()
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("bad signature")
		}
	}
}
