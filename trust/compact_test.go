package trust

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func TestParseCompact(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	big := sampleList(t)
	for len(big.Regions) < 400 { // past one core's piece of the payload
		r := big.Regions[0]
		r.ID = "CN-" + strings.Repeat("1", 6)
		big.Regions = append(big.Regions, r)
	}
	signed, err := SignJWS(big, priv, "k")
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	parts := strings.Split(signed, ".")
	mid := len(parts[1]) / 2
	tests := []struct {
		name, data, err string
	}{
		{"signed by the hub", signed, ""},
		{"two parts", parts[0] + "." + parts[1], "three parts"},
		{"four parts", signed + ".x", "three parts"},
		{"header not base64url", "!!." + parts[1] + "." + parts[2], "illegal base64"},
		{"header not JSON", b64([]byte("[1]")) + "." + parts[1] + "." + parts[2], "invalid protected header"},
		{"HMAC", b64([]byte(`{"alg":"HS256"}`)) + "." + parts[1] + "." + parts[2], "unexpected signature algorithm"},
		{"no algorithm", b64([]byte(`{"alg":"none"}`)) + "." + parts[1] + "." + parts[2], "unexpected signature algorithm"},
		{"critical extension", b64([]byte(`{"alg":"EdDSA","crit":["b64"],"b64":false}`)) + "." + parts[1] + "." + parts[2], "critical extension"},
		{"line break in the payload", parts[0] + "." + parts[1][:mid] + "\n" + parts[1][mid:] + "." + parts[2], "payload is not base64url"},
		{"padded payload", parts[0] + "." + parts[1] + "==." + parts[2], "payload is not base64url"},
		{"signature not base64url", parts[0] + "." + parts[1] + ".*", "illegal base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCompact([]byte(tt.data))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want, err := jose.ParseSignedCompact(tt.data, []jose.SignatureAlgorithm{jose.EdDSA})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.UnsafePayloadWithoutVerification()) {
				t.Error("the payload differs from go-jose's")
			}
		})
	}
}

// Whatever parseCompact takes, go-jose takes too, with the same payload.
func FuzzParseCompact(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(nil)
	signed, _ := SignJWS(sampleList(&testing.T{}), priv, "k")
	f.Add([]byte(signed))
	f.Add([]byte("e30.e30.AA"))
	f.Add([]byte("eyJhbGciOiJFZERTQSJ9.e30."))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := parseCompact(data)
		if err != nil {
			return
		}
		want, err := jose.ParseSignedCompact(string(data), []jose.SignatureAlgorithm{jose.EdDSA})
		if err != nil {
			t.Fatalf("%q: parseCompact takes it, go-jose refuses: %v", data, err)
		}
		if !bytes.Equal(got, want.UnsafePayloadWithoutVerification()) {
			t.Fatalf("%q: the payload differs from go-jose's", data)
		}
	})
}

// The pieces decoded on each core join into what one decode gives, at
// every length around the pieces' edges.
func TestDecodeOnEveryCore(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 100_000, 196_607, 196_608, 196_609, 500_000, 500_001, 500_002} {
		raw := make([]byte, n)
		for i := range raw {
			raw[i] = byte(i*7 + i/251)
		}
		got, err := decodeOnEveryCore([]byte(base64.RawURLEncoding.EncodeToString(raw)))
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !bytes.Equal(got, raw) {
			t.Fatalf("%d bytes: decoded differently", n)
		}
	}
}
