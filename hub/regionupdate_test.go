package hub_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
)

func TestUpdateRegion(t *testing.T) {
	e := newEnv(t)
	if _, err := e.hub.AddRegion(ctx, &healthcode.Region{ID: "CN-330100", Name: "杭州市", Mode: healthcode.ModeLocal,
		Endpoint: "https://hz.example", EndpointToken: "t0", ColourMap: healthcode.ColourMap{healthcode.Yellow: healthcode.Red}}, nil); err != nil {
		t.Fatal(err)
	}
	_, err := e.hub.AddRegion(ctx, &healthcode.Region{ID: "CN-440100", Name: "广州市", Mode: healthcode.ModeLocal,
		ColourMap: healthcode.ColourMap{healthcode.Yellow: 5}}, nil)
	wantField(t, err, "colour_map")

	str := func(s string) *string { return &s }
	cmap := func(m healthcode.ColourMap) *healthcode.ColourMap { return &m }
	tests := []struct {
		name      string
		u         healthcode.RegionUpdate
		field     string // of the refusal; "" when taken
		endpoint  string
		token     string
		colourMap healthcode.ColourMap
	}{
		{"nothing", healthcode.RegionUpdate{}, "", "https://hz.example", "t0", healthcode.ColourMap{healthcode.Yellow: healthcode.Red}},
		{"back to the identity", healthcode.RegionUpdate{ColourMap: cmap(nil)}, "", "https://hz.example", "t0", nil},
		{"a colour that is none", healthcode.RegionUpdate{ColourMap: cmap(healthcode.ColourMap{3: healthcode.Red})}, "colour_map", "", "", nil},
		{"green counts as yellow", healthcode.RegionUpdate{ColourMap: cmap(healthcode.ColourMap{healthcode.Green: healthcode.Yellow})}, "",
			"https://hz.example", "t0", healthcode.ColourMap{healthcode.Green: healthcode.Yellow}},
		{"a new token", healthcode.RegionUpdate{EndpointToken: str("t1")}, "", "https://hz.example", "t1", healthcode.ColourMap{healthcode.Green: healthcode.Yellow}},
		{"a bad endpoint", healthcode.RegionUpdate{Endpoint: str("hz.example")}, "endpoint", "", "", nil},
		{"no endpoint, token kept", healthcode.RegionUpdate{Endpoint: str("")}, "endpoint_token", "", "", nil},
		{"neither", healthcode.RegionUpdate{Endpoint: str(""), EndpointToken: str("")}, "", "", "", healthcode.ColourMap{healthcode.Green: healthcode.Yellow}},
		{"no name", healthcode.RegionUpdate{Name: str("")}, "name", "", "", nil},
		{"a name too long", healthcode.RegionUpdate{Name: str(strings.Repeat("市", 101))}, "name", "", "", nil},
		{"renamed", healthcode.RegionUpdate{Name: str("杭州")}, "", "", "", healthcode.ColourMap{healthcode.Green: healthcode.Yellow}},
	}
	for _, tt := range tests {
		r, err := e.hub.UpdateRegion(ctx, "CN-330100", tt.u)
		if tt.field != "" {
			wantField(t, err, tt.field)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if r.Endpoint != tt.endpoint || r.EndpointToken != tt.token || !reflect.DeepEqual(r.ColourMap, tt.colourMap) {
			t.Errorf("%s: %q %q %v, want %q %q %v", tt.name, r.Endpoint, r.EndpointToken, r.ColourMap, tt.endpoint, tt.token, tt.colourMap)
		}
	}
	_, err = e.hub.UpdateRegion(ctx, "CN-999999", healthcode.RegionUpdate{})
	wantCode(t, err, healthcode.ENOTFOUND)
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if healthcode.ErrorCode(err) != healthcode.EINVALID || healthcode.ErrorFields(err)[field] == "" {
		t.Fatalf("error %v (fields %v), want a reason under %s", err, healthcode.ErrorFields(err), field)
	}
}
