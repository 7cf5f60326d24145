package hub_test

import (
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/storetest"
)

// BenchmarkResolve is one resolve on the code path (the region has no
// endpoint): the generation read, the offline verification against the
// cached trust list, the colour map and the hub's signature. Target
// (issue 6): ≥ 5,000 resolves/s.
func BenchmarkResolve(b *testing.B) {
	r, code := benchResolver(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Resolve(ctx, peer("CN-330100"), code); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveParallel is BenchmarkResolve on every core.
func BenchmarkResolveParallel(b *testing.B) {
	r, code := benchResolver(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Resolve(ctx, peer("CN-330100"), code); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchResolver is a hub with 400 regions, as many as a national trust
// list holds, the code's among them mapping yellow to red.
func benchResolver(b *testing.B) (*hub.Resolver, string) {
	b.Helper()
	g := hub.New(storetest.MustOpenDB(b))
	now := time.Now().Truncate(time.Second)
	g.Now = func() time.Time { return now }
	signer := hubtest.AddRegions(b, g, 400)
	r := hub.NewResolver(g)
	code := signer.Code(b, now, healthcode.Yellow, false)
	res, err := r.Resolve(ctx, peer("CN-330100"), code)
	if err != nil || !res.Status.Valid || res.Status.Colour.String() != "red" {
		b.Fatalf("resolve: %+v, %v", res, err)
	}
	return r, code
}
