package node_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
)

// BenchmarkIssueCode is the node's cost of one code: the stored status read,
// the person and profile reads, claims, signing and encoding (no image),
// on the backend HEALTHCODE_TEST_DB names. Compare with
// BenchmarkEd25519Sign from the same run.
func BenchmarkIssueCode(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	id := e.readyCitizen(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.citizens.Code(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEd25519Sign is the bare signature the issue budget is set against:
// a message of the size of a code's COSE Sig_structure.
func BenchmarkEd25519Sign(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 160)
	rand.Read(msg)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ed25519.Sign(priv, msg)
	}
}

// BenchmarkIssueCodeParallel is the issuing rate with every core busy, as
// a serving node runs: on PostgreSQL the round trips overlap. Compare with
// BenchmarkEd25519SignParallel from the same run.
func BenchmarkIssueCodeParallel(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	id := e.readyCitizen(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.citizens.Code(ctx, id); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkEd25519SignParallel(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 160)
	rand.Read(msg)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ed25519.Sign(priv, msg)
		}
	})
}
