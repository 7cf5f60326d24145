package http

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/hub"
)

// gzSigner registers CN-440100 with a key at the hub (its peer token in
// e.gz) and returns a signer of its codes.
func (e *hubEnv) gzSigner(t *testing.T) *hcode.Signer {
	t.Helper()
	pub, priv, err := hcode.GenerateKey(healthcode.AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	if e.gz, err = e.hub.AddRegion(context.Background(), &healthcode.Region{ID: "CN-440100", Name: "广州市", Mode: healthcode.ModeLocal},
		[]*healthcode.RegionKey{{Alg: healthcode.AlgEdDSA, PublicKey: pub}}); err != nil {
		t.Fatal(err)
	}
	s, err := hcode.NewSigner(healthcode.AlgEdDSA, priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func localCode(t *testing.T, s *hcode.Signer, iat time.Time, subject byte) string {
	t.Helper()
	text, err := s.SignHealth(&hcode.HealthClaims{Issuer: "CN-440100", IssuedAt: iat, ExpiresAt: iat.Add(5 * time.Minute),
		CTI: bytes.Repeat([]byte{1}, 16), Subject: bytes.Repeat([]byte{subject}, 16), Colour: healthcode.Green, Name: "王*"})
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func exchangeBody(code string) string {
	b, _ := json.Marshal(map[string]string{"code": code})
	return string(b)
}

func TestHubExchange(t *testing.T) {
	e := newHubEnv(t)
	s := e.gzSigner(t)
	now := time.Now()
	tests := []struct {
		name   string
		body   string
		status int
		field  string // fields.code of a refusal
	}{
		{"fresh", exchangeBody(localCode(t, s, now, 1)), 200, ""},
		{"expired", exchangeBody(localCode(t, s, now.Add(-time.Hour), 2)), 400, "expired"},
		{"not a code", exchangeBody("hello"), 400, "bad_prefix"},
		{"no code", `{}`, 400, "required: the health code of your region, CNHC1:…"},
		{"unknown field", `{"code":"x","token":"y"}`, 400, ""},
		{"body not JSON", `code`, 400, ""},
		{"too large", exchangeBody(strings.Repeat("A", 20<<10)), 413, ""},
	}
	for _, tt := range tests {
		w := e.do("POST", "/hub/v1/exchange", tt.body)
		if w.Code != tt.status {
			t.Fatalf("%s: %d %s, want %d", tt.name, w.Code, w.Body, tt.status)
		}
		if tt.status != 200 {
			var body errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if tt.field != "" && body.Error.Fields["code"] != tt.field {
				t.Fatalf("%s: fields %v, want code: %s", tt.name, body.Error.Fields, tt.field)
			}
			continue
		}
		var got struct {
			Code      string    `json:"code"`
			Colour    string    `json:"colour"`
			IssuedAt  time.Time `json:"issued_at"`
			ExpiresAt time.Time `json:"expires_at"`
			Region    string    `json:"region"`
			Home      string    `json:"home"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got.Code, "CNHC1:") || got.Colour != "green" || got.Region != "CN" || got.Home != "CN-440100" ||
			got.ExpiresAt.Sub(got.IssuedAt) != healthcode.NationalCodeLifetime {
			t.Fatalf("%s: answer %s", tt.name, w.Body)
		}
	}

	w := e.do("GET", "/metrics", "", bearer(e.admin)...)
	for _, want := range []string{
		`healthcode_hub_exchanges_total{result="issued"} 1`,
		`healthcode_hub_exchanges_total{result="refused"} 6`,
		`healthcode_hub_exchanges_total{result="rate_limited"} 0`,
	} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestHubExchangeLimits: a person's fourth code at once is 429 with
// Retry-After; behind a proxy (TrustProxy) the address is the first
// X-Forwarded-For entry.
func TestHubExchangeLimits(t *testing.T) {
	e := newHubEnv(t)
	s := e.gzSigner(t)
	code := exchangeBody(localCode(t, s, time.Now(), 1))
	for i := range hub.ExchangeBurstPerSubject {
		if w := e.do("POST", "/hub/v1/exchange", code); w.Code != 200 {
			t.Fatalf("exchange %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	w := e.do("POST", "/hub/v1/exchange", code)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || errorCode(t, w) != healthcode.ERATELIMIT {
		t.Fatalf("over the limit: %d %s, Retry-After %q", w.Code, w.Body, w.Header().Get("Retry-After"))
	}

	// Each request from another peer, all through one proxy.
	p := newHubEnv(t)
	p.srv.TrustProxy = true
	for i := range hub.ExchangeBurstPerAddr + 1 {
		r := httptest.NewRequest("POST", "/hub/v1/exchange", strings.NewReader(exchangeBody("hello")))
		r.Header.Set("X-Forwarded-For", "203.0.113.9, 10.0.0.1")
		r.RemoteAddr = "10.0.0.1:" + string(rune('0'+i%10)) + "000"
		w := httptest.NewRecorder()
		p.srv.Handler().ServeHTTP(w, r)
		if want := i < hub.ExchangeBurstPerAddr; (w.Code == 400) != want {
			t.Fatalf("request %d from the forwarded address: %d %s", i+1, w.Code, w.Body)
		}
	}
}

// TestHubExchangeForPeer: a region's node exchanges its citizens' codes
// with its peer token, past the per-address limit that would stop one
// address fronting them all, but not past the per-person one; it may not
// exchange another region's codes, and a token that is not a peer's or
// not known is refused.
func TestHubExchangeForPeer(t *testing.T) {
	e := newHubEnv(t)
	s := e.gzSigner(t)
	now := time.Now()
	for i := range hub.ExchangeBurstPerAddr + 1 {
		code := localCode(t, s, now, byte(i)) // a person each
		if w := e.do("POST", "/hub/v1/exchange", exchangeBody(code), bearer(e.gz)...); w.Code != 200 {
			t.Fatalf("exchange %d for the node: %d %s", i+1, w.Code, w.Body)
		}
	}
	code := exchangeBody(localCode(t, s, now, 0)) // the first person again
	for i := 1; i < hub.ExchangeBurstPerSubject; i++ {
		if w := e.do("POST", "/hub/v1/exchange", code, bearer(e.gz)...); w.Code != 200 {
			t.Fatalf("person's exchange %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	if w := e.do("POST", "/hub/v1/exchange", code, bearer(e.gz)...); w.Code != http.StatusTooManyRequests {
		t.Fatalf("over the person's limit: %d %s, want 429", w.Code, w.Body)
	}

	fresh := exchangeBody(localCode(t, s, now, 200))
	for _, tc := range []struct {
		name, token string
		status      int
	}{
		{"another region's node", e.peer, http.StatusForbidden},
		{"an admin", e.admin, http.StatusForbidden},
		{"an unknown token", "hct_nobody", http.StatusUnauthorized},
	} {
		if w := e.do("POST", "/hub/v1/exchange", fresh, bearer(tc.token)...); w.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, w.Code, w.Body, tc.status)
		}
	}
}

// TestHubExchangeOff: a hub server without a national service says so.
func TestHubExchangeOff(t *testing.T) {
	e := newHubEnv(t)
	e.srv = NewHubServer()
	e.srv.Hub = e.hub
	if w := e.do("POST", "/hub/v1/exchange", exchangeBody("x")); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("%d %s, want 503", w.Code, w.Body)
	}
}
