package verify

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode/hcode"
)

func TestVerifyPlace(t *testing.T) {
	f := newFixture(t)
	v, err := NewVerifier(f.list)
	if err != nil {
		t.Fatal(err)
	}
	place := func(s *hcode.Signer, iss string, at time.Time) string {
		text, err := s.SignPlace(&hcode.PlaceClaims{Issuer: iss, IssuedAt: at, CTI: bytes.Repeat([]byte{3}, 16),
			ID: "V000001", Kind: "pharmacy", Name: "老百姓大药房", Division: "330106"})
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	tests := []struct {
		name, text, wantErr string
	}{
		{"good", place(f.good, "CN-330100", iat), ""},
		{"a poster printed long ago", place(f.good, "CN-330100", iat.Add(-50*time.Minute)), ""},
		{"unknown region", place(f.good, "CN-440100", iat), "not in the trust list"},
		{"stranger's key", place(f.stranger, "CN-330100", iat), "does not hold"},
		{"impostor", place(f.impostor, "CN-330100", iat), "does not hold"},
		{"revoked key", place(f.revoked, "CN-330100", iat), "revoked"},
		{"dated in the future", place(f.good, "CN-330100", iat.Add(time.Hour)), "future"},
		{"a health code", sign(t, f.good, "CN-330100"), "not a place code"},
		{"garbage", "CNPC1:%%%", "not a place code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.VerifyPlace(tc.text, iat.Add(time.Minute))
			if tc.wantErr == "" {
				if err != nil || c.ID != "V000001" || c.Name != "老百姓大药房" {
					t.Fatalf("VerifyPlace = %+v, %v", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("VerifyPlace error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
