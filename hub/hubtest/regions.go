package hubtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/healthcode/healthcode"
)

// RegionAdder registers a region and its keys at a hub (hub.Registry).
type RegionAdder interface {
	AddRegion(ctx context.Context, r *healthcode.Region, keys []*healthcode.RegionKey) (string, error)
}

// AddRegions registers n regions of mode local with an EdDSA key each, as
// many as a national trust list holds for the benchmarks, and returns the
// signer of the middle one, whose colour map makes yellow red.
func AddRegions(tb testing.TB, hub RegionAdder, n int) *CodeSigner {
	tb.Helper()
	var mid *CodeSigner
	for i := range n {
		// Under provinces 11 to 14 (a region must name a real one), 100 each.
		region := &healthcode.Region{ID: fmt.Sprintf("CN-%d%04d", 11+i/100, i%100), Name: "region", Mode: healthcode.ModeLocal}
		s := NewCodeSigner(tb, region.ID, healthcode.AlgEdDSA)
		if i == n/2 {
			mid = s
			region.ColourMap = healthcode.ColourMap{healthcode.Yellow: healthcode.Red}
		}
		if _, err := hub.AddRegion(context.Background(), region, []*healthcode.RegionKey{s.RegionKey()}); err != nil {
			tb.Fatal(err)
		}
	}
	return mid
}
