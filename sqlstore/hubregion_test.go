package sqlstore_test

import (
	"reflect"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func TestHubRegionSettings(t *testing.T) {
	db := storetest.MustOpenDB(t)
	hz := hubRegion("CN-330100")
	hz.ColourMap = healthcode.ColourMap{healthcode.Yellow: healthcode.Red, healthcode.Green: healthcode.Green}
	hz.EndpointToken = "node-token-1"
	if err := db.CreateRegion(ctx, hz, nil); err != nil {
		t.Fatal(err)
	}
	gen0, err := db.HubGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	identity := healthcode.ColourMap{}
	toRed := healthcode.ColourMap{healthcode.Yellow: healthcode.Red, healthcode.Green: healthcode.Yellow}

	for i, tc := range []struct {
		name         string
		u            healthcode.RegionUpdate
		wantEndpoint string
		wantToken    string
		wantMap      healthcode.ColourMap
	}{
		{"as created, identity entries dropped", healthcode.RegionUpdate{},
			"https://hz.example", "node-token-1", healthcode.ColourMap{healthcode.Yellow: healthcode.Red}},
		{"a new map replaces the old", healthcode.RegionUpdate{ColourMap: &toRed},
			"https://hz.example", "node-token-1", toRed},
		{"endpoint and token, map kept", healthcode.RegionUpdate{Endpoint: str("https://hz2.example"), EndpointToken: str("node-token-2")},
			"https://hz2.example", "node-token-2", toRed},
		{"identity stored as none", healthcode.RegionUpdate{ColourMap: &identity},
			"https://hz2.example", "node-token-2", nil},
		{"token cleared", healthcode.RegionUpdate{Endpoint: str(""), EndpointToken: str("")},
			"", "", nil},
	} {
		got, err := db.UpdateRegion(ctx, "CN-330100", tc.u)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		found, err := db.FindRegion(ctx, "CN-330100")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []*healthcode.Region{got, found} {
			if r.Endpoint != tc.wantEndpoint || r.EndpointToken != tc.wantToken || !reflect.DeepEqual(r.ColourMap, tc.wantMap) {
				t.Errorf("%s: endpoint %q token %q map %v, want %q %q %v", tc.name, r.Endpoint, r.EndpointToken, r.ColourMap,
					tc.wantEndpoint, tc.wantToken, tc.wantMap)
			}
		}
		// The resolve cache and the trust list notice the change.
		if gen, err := db.HubGeneration(ctx); err != nil || gen != gen0+int64(i)+1 {
			t.Errorf("%s: generation %d (%v), want %d", tc.name, gen, err, gen0+int64(i)+1)
		}
	}
	// A misspelt name mended: stored, and the trust list's generation moves.
	gen1, _ := db.HubGeneration(ctx)
	if _, err := db.UpdateRegion(ctx, "CN-330100", healthcode.RegionUpdate{Name: str("杭州")}); err != nil {
		t.Fatal(err)
	}
	if r, err := db.FindRegion(ctx, "CN-330100"); err != nil || r.Name != "杭州" || r.Endpoint != "" {
		t.Errorf("renamed: %+v (%v), want name 杭州, the rest kept", r, err)
	}
	if gen, _ := db.HubGeneration(ctx); gen != gen1+1 {
		t.Errorf("renamed: generation %d, want %d", gen, gen1+1)
	}
	_, err = db.UpdateRegion(ctx, "CN-999999", healthcode.RegionUpdate{})
	wantCode(t, err, healthcode.ENOTFOUND)
}
