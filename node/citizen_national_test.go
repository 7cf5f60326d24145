package node_test

import (
	"context"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/trust"
	"github.com/healthcode/healthcode/verify"
)

// A region the hub hosts (way 3) issues national codes: iss CN, its own id
// as home "h", signed by the national signer, judged by its own status.
func TestCodeOfAHostedRegionIsNational(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// The national key ring stands in for the hub's: the env's own keys,
	// listed below as region CN's and not as the region's.
	e.citizens.NationalSigner = e.keys.Signer
	id := e.readyCitizen(t)
	issued, err := e.citizens.Code(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := e.trust.JSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	list, err := trust.Parse(doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Regions) != 1 {
		t.Fatalf("regions %d", len(list.Regions))
	}
	national := list.Regions[0]
	national.ID, national.Mode = healthcode.NationalRegion, trust.ModeNational

	tests := []struct {
		name    string
		regions []trust.Region
		valid   bool
		err     string
	}{
		{"by region CN's key", []trust.Region{national}, true, ""},
		{"not by the region's own", []trust.Region{list.Regions[0]}, false, "unknown_region"},
	}
	for _, tt := range tests {
		v, err := verify.NewVerifier(&trust.List{Version: 1, IssuedAt: list.IssuedAt, Issuer: "CN", Regions: tt.regions})
		if err != nil {
			t.Fatal(err)
		}
		vd := v.Verify(issued.Code, e.clock.Now())
		if vd.Valid != tt.valid || vd.Error != tt.err {
			t.Fatalf("%s: %+v", tt.name, vd)
		}
		if vd.Valid && (vd.Claims.Issuer != healthcode.NationalRegion || vd.Claims.Home != region || vd.Claims.Colour != issued.Colour) {
			t.Fatalf("%s: claims %+v", tt.name, vd.Claims)
		}
	}
}
