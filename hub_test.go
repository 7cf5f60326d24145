package healthcode_test

import (
	"testing"

	"github.com/healthcode/healthcode"
)

func TestRegionValidate(t *testing.T) {
	ok := func() healthcode.Region {
		return healthcode.Region{ID: "CN-330100", Name: "杭州市", Mode: healthcode.ModeLocal, Endpoint: "https://hz.example/api"}
	}
	tests := []struct {
		name  string
		edit  func(r *healthcode.Region)
		field string // "" when valid
	}{
		{"valid", func(r *healthcode.Region) {}, ""},
		{"national, no endpoint", func(r *healthcode.Region) { r.Mode, r.Endpoint = healthcode.ModeNational, "" }, ""},
		{"the hub's own region", func(r *healthcode.Region) { r.ID = "CN" }, ""},
		{"plain http endpoint", func(r *healthcode.Region) { r.Endpoint = "http://10.0.0.5:8080" }, ""},
		{"no CN- prefix", func(r *healthcode.Region) { r.ID = "330100" }, "id"},
		{"five digits", func(r *healthcode.Region) { r.ID = "CN-33010" }, "id"},
		{"letters", func(r *healthcode.Region) { r.ID = "CN-33O100" }, "id"},
		{"lower case", func(r *healthcode.Region) { r.ID = "cn-330100" }, "id"},
		{"empty id", func(r *healthcode.Region) { r.ID = "" }, "id"},
		{"no name", func(r *healthcode.Region) { r.Name = "" }, "name"},
		{"unknown mode", func(r *healthcode.Region) { r.Mode = "federal" }, "mode"},
		{"endpoint without scheme", func(r *healthcode.Region) { r.Endpoint = "hz.example" }, "endpoint"},
		{"endpoint of another scheme", func(r *healthcode.Region) { r.Endpoint = "ftp://hz.example" }, "endpoint"},
		{"endpoint without host", func(r *healthcode.Region) { r.Endpoint = "https:///x" }, "endpoint"},
		{"endpoint token", func(r *healthcode.Region) { r.EndpointToken = "t" }, ""},
		{"endpoint token without endpoint", func(r *healthcode.Region) { r.Endpoint, r.EndpointToken = "", "t" }, "endpoint_token"},
		{"colour map", func(r *healthcode.Region) { r.ColourMap = healthcode.ColourMap{healthcode.Yellow: healthcode.Red} }, ""},
		{"colour map to no colour", func(r *healthcode.Region) { r.ColourMap = healthcode.ColourMap{healthcode.Yellow: 3} }, "colour_map"},
		{"colour map from no colour", func(r *healthcode.Region) { r.ColourMap = healthcode.ColourMap{-1: healthcode.Red} }, "colour_map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok()
			tt.edit(&r)
			err := r.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if healthcode.ErrorCode(err) != healthcode.EINVALID || healthcode.ErrorFields(err)[tt.field] == "" {
				t.Fatalf("Validate = %v (fields %v), want a reason under %s", err, healthcode.ErrorFields(err), tt.field)
			}
		})
	}
}
