package hub_test

import (
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/status"
)

// A region of mode national is judged at the hub by the policy it was
// registered with; the policy is checked when given, and a region with a
// node of its own has none at the hub.
func TestRegionPolicy(t *testing.T) {
	e := newEnv(t)
	custom := string(status.DefaultPolicyJSON())
	custom = replaceOnce(t, custom, `"version": "CN-default-1"`, `"version": "XJ-2026-11"`)
	tests := []struct {
		name    string
		region  healthcode.Region
		field   string // of the refusal
		version string
	}{
		{"national, default", healthcode.Region{ID: "CN-650100", Name: "乌鲁木齐市", Mode: healthcode.ModeNational}, "", "CN-default-1"},
		{"national, its own", healthcode.Region{ID: "CN-650200", Name: "克拉玛依市", Mode: healthcode.ModeNational, Policy: custom}, "", "XJ-2026-11"},
		{"not JSON", healthcode.Region{ID: "CN-650400", Name: "吐鲁番市", Mode: healthcode.ModeNational, Policy: "{"}, "policy", ""},
		{"local", healthcode.Region{ID: "CN-330100", Name: "杭州市", Mode: healthcode.ModeLocal, Policy: custom}, "policy", ""},
	}
	for _, tt := range tests {
		r := tt.region
		_, err := e.hub.AddRegion(ctx, &r, nil)
		if tt.field != "" {
			wantField(t, err, tt.field)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		stored, err := e.hub.Store.FindRegion(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		p, err := hub.RegionPolicy(stored)
		if err != nil || p.Version != tt.version {
			t.Fatalf("%s: policy %v, %v; want %s", tt.name, p, err, tt.version)
		}
	}

	str := func(s string) *string { return &s }
	if _, err := e.hub.UpdateRegion(ctx, "CN-650100", healthcode.RegionUpdate{Policy: str("[]")}); err == nil {
		t.Fatal("a bad policy was taken")
	} else {
		wantField(t, err, "policy")
	}
	r, err := e.hub.UpdateRegion(ctx, "CN-650100", healthcode.RegionUpdate{Policy: str(custom)})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := hub.RegionPolicy(r); p.Version != "XJ-2026-11" {
		t.Fatalf("after set-policy: %s", p.Version)
	}
	if r, err = e.hub.UpdateRegion(ctx, "CN-650100", healthcode.RegionUpdate{Policy: str("")}); err != nil || r.Policy != "" {
		t.Fatalf("back to the default: %v %v", r, err)
	}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q is not in the text once", old)
	}
	return strings.Replace(s, old, new, 1)
}
