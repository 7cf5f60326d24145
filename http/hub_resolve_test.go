package http

import (
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
)

func TestHubResolve(t *testing.T) {
	e := newHubEnv(t)
	gz := hubtest.NewCodeSigner(t, "CN-440100", healthcode.AlgEdDSA)
	if _, err := e.hub.AddRegion(t.Context(), &healthcode.Region{ID: "CN-440100", Name: "广州市", Mode: healthcode.ModeLocal,
		ColourMap: healthcode.ColourMap{healthcode.Yellow: healthcode.Red}}, []*healthcode.RegionKey{gz.RegionKey()}); err != nil {
		t.Fatal(err)
	}
	_, hubKey, err := e.hub.PublicKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	yellow := gz.Code(t, now, healthcode.Yellow, true)
	body := func(code string) string {
		b, _ := json.Marshal(map[string]string{"code": code})
		return string(b)
	}

	// Before a resolver is set the route answers, with 503.
	if w := e.do("POST", "/hub/v1/resolve", body(yellow), bearer(e.peer)...); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("no resolver: %d %s", w.Code, w.Body)
	}
	e.srv.Resolver = hub.NewResolver(e.hub)

	tests := []struct {
		name   string
		body   string
		header []string
		status int
		code   string // of the error, or of the refused code's "error"
		colour string // national, when valid
	}{
		{"no token", body(yellow), nil, http.StatusUnauthorized, healthcode.EUNAUTHORIZED, ""},
		{"a hub admin", body(yellow), bearer(e.admin), http.StatusForbidden, healthcode.EFORBIDDEN, ""},
		{"no code", `{}`, bearer(e.peer), http.StatusBadRequest, healthcode.EINVALID, ""},
		{"an unknown field", `{"code":"x","colour":"green"}`, bearer(e.peer), http.StatusBadRequest, healthcode.EINVALID, ""},
		{"too large", body(strings.Repeat("A", 20<<10)), bearer(e.peer), http.StatusRequestEntityTooLarge, healthcode.ETOOLARGE, ""},
		{"yellow is red in the nation", body(yellow), bearer(e.peer), http.StatusOK, "", "red"},
		{"expired: a signed refusal", body(gz.Code(t, now.Add(-time.Hour), healthcode.Green, false)), bearer(e.peer), http.StatusOK, "expired", ""},
		{"forged", body(hubtest.TamperSignature(t, yellow)), bearer(e.peer), http.StatusOK, "bad_signature", ""},
		{"unknown region", body(hubtest.NewCodeSigner(t, "CN-110100", healthcode.AlgEdDSA).Code(t, now, healthcode.Green, false)),
			bearer(e.peer), http.StatusOK, "unknown_region", ""},
	}
	for _, tt := range tests {
		w := e.do("POST", "/hub/v1/resolve", tt.body, tt.header...)
		if w.Code != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, w.Code, w.Body, tt.status)
			continue
		}
		if w.Code != http.StatusOK {
			if got := errorCode(t, w); got != tt.code {
				t.Errorf("%s: error %q, want %q", tt.name, got, tt.code)
			}
			continue
		}
		var resp struct {
			Signed string          `json:"signed"`
			Status json.RawMessage `json:"status"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		jws, err := jose.ParseSignedCompact(resp.Signed, []jose.SignatureAlgorithm{jose.EdDSA})
		if err != nil {
			t.Fatal(err)
		}
		payload, err := jws.Verify(ed25519.PublicKey(hubKey))
		if err != nil {
			t.Fatalf("%s: the answer does not verify under the hub key: %v", tt.name, err)
		}
		// The readable copy is the signed payload.
		if string(payload) != string(resp.Status) {
			t.Errorf("%s: signed %s, shown %s", tt.name, payload, resp.Status)
		}
		var s map[string]any
		json.Unmarshal(payload, &s)
		if tt.colour != "" && (s["valid"] != true || s["colour"] != tt.colour || s["local_colour"] != "yellow" || s["source"] != "code" ||
			s["action_required"] != true || s["region"] != "CN-440100" || s["iss"] != "CN") {
			t.Errorf("%s: status %s", tt.name, payload)
		}
		if tt.colour == "" && (s["valid"] != false || s["error"] != tt.code || s["colour"] != nil) {
			t.Errorf("%s: status %s, want a refusal %q", tt.name, payload, tt.code)
		}
		if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", tt.name, cc)
		}
	}

	w := e.do("GET", "/metrics", "", bearer(e.admin)...)
	for _, want := range []string{
		`healthcode_hub_resolves_total{result="code"} 1`,
		`healthcode_hub_resolves_total{result="invalid"} 3`,
		// The token checks come first: the admin's and the missing token
		// never reach the handler.
		`healthcode_hub_resolves_total{result="refused"} 3`,
		// The answer without a resolver.
		`healthcode_hub_resolves_total{result="failed"} 1`,
		`healthcode_hub_resolves_total{result="live"} 0`,
	} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
