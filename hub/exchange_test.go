package hub_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/verify"
)

// codeSigner signs health codes with k.
func codeSigner(t *testing.T, k *hubtest.Key) *hcode.Signer {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		t.Fatal(err)
	}
	s, err := hcode.NewSigner(k.Alg, der)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// localClaims are the claims of a code hz issued at iat.
func localClaims(iat time.Time, subject byte) *hcode.HealthClaims {
	return &hcode.HealthClaims{Issuer: hz, IssuedAt: iat, ExpiresAt: iat.Add(5 * time.Minute),
		CTI: bytes.Repeat([]byte{9}, 16), Subject: bytes.Repeat([]byte{subject}, 16),
		Colour: healthcode.Yellow, Action: true, Name: "张*三", IDMasked: "11**************2X",
		Test:  &hcode.TestClaim{At: iat.Add(-20 * time.Hour), Result: healthcode.Negative},
		Doses: 3}
}

// exchangeEnv is a hub where hz holds cur and a revoked key, and one that
// was valid only until the day before t0.
type exchangeEnv struct {
	*env
	cur, revoked, past, stranger *hcode.Signer
}

func newExchangeEnv(t *testing.T) *exchangeEnv {
	t.Helper()
	e := newEnv(t)
	cur, revoked, past := hubtest.NewKey(t, healthcode.AlgEdDSA), hubtest.NewKey(t, healthcode.AlgES256), hubtest.NewKey(t, healthcode.AlgEdDSA)
	keys := registered(cur, revoked, past)
	keys[2].NotAfter = t0.Add(-24 * time.Hour)
	e.addRegion(t, hz, keys...)
	if err := e.hub.RevokeKey(ctx, hz, revoked.KID()); err != nil {
		t.Fatal(err)
	}
	return &exchangeEnv{env: e, cur: codeSigner(t, cur), revoked: codeSigner(t, revoked), past: codeSigner(t, past),
		stranger: codeSigner(t, hubtest.NewKey(t, healthcode.AlgEdDSA))}
}

func sign(t *testing.T, s *hcode.Signer, c *hcode.HealthClaims) string {
	t.Helper()
	text, err := s.SignHealth(c)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// TestExchange: a fresh local code becomes a national code of the same
// content that verifies against the hub's list as region CN, home hz; a
// code the list does not vouch for now is refused, naming why.
func TestExchange(t *testing.T) {
	e := newExchangeEnv(t)
	good := sign(t, e.cur, localClaims(t0, 1))
	tests := []struct {
		name string
		code string
		at   time.Duration // after t0
		want string        // the refusal in fields.code; "" when issued
	}{
		{"fresh", good, 0, ""},
		{"at exp", good, 5 * time.Minute, ""},
		{"ahead within the skew", good, -verify.Skew, ""},
		{"ES256 key revoked", sign(t, e.revoked, localClaims(t0, 1)), 0, verify.KeyRevoked},
		{"expired", good, 5*time.Minute + time.Second, verify.Expired},
		{"issued in the future", good, -verify.Skew - time.Second, verify.NotYetValid},
		{"key past its bounds", sign(t, e.past, localClaims(t0, 1)), 0, verify.KeyNotValidAtIAT},
		{"key unknown", sign(t, e.stranger, localClaims(t0, 1)), 0, verify.UnknownKID},
		{"region unknown", sign(t, e.cur, func() *hcode.HealthClaims { c := localClaims(t0, 1); c.Issuer = "CN-440100"; return c }()), 0,
			verify.UnknownRegion},
		{"a place code", "CNPC1:XYZ", 0, verify.BadPrefix},
		{"not a code", "hello", 0, verify.BadPrefix},
		{"required", "", 0, "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Add(t0.Add(tt.at).Sub(e.clock.Now()))
			nc, err := e.hub.Exchange(ctx, tt.code, "192.0.2.1")
			if tt.want != "" {
				wantCode(t, err, healthcode.EINVALID)
				if got := healthcode.ErrorFields(err)["code"]; got != tt.want && !(tt.want == "required" && got != "") {
					t.Fatalf("refused with fields %v, want code: %s", healthcode.ErrorFields(err), tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			now := e.clock.Now()
			if nc.Region != "CN" || nc.Home != hz || nc.Colour != healthcode.Yellow || !nc.IssuedAt.Equal(now) ||
				!nc.ExpiresAt.Equal(now.Add(healthcode.NationalCodeLifetime)) {
				t.Fatalf("answer %+v", nc)
			}
			v, err := verify.NewVerifier(e.listed(t))
			if err != nil {
				t.Fatal(err)
			}
			vd := v.Verify(nc.Code, now)
			if !vd.Valid || vd.Region != "CN" || vd.Home != hz {
				t.Fatalf("the national code verifies as %+v", vd)
			}
			local, err := hcode.ParseHealth(tt.code)
			if err != nil {
				t.Fatal(err)
			}
			c, l := vd.Claims, local.Health
			if !bytes.Equal(c.Subject, l.Subject) || c.Colour != l.Colour || !c.Action || c.Name != l.Name || c.IDMasked != l.IDMasked ||
				c.Doses != l.Doses || c.Test == nil || !c.Test.At.Equal(l.Test.At) || c.Test.Result != l.Test.Result ||
				bytes.Equal(c.CTI, l.CTI) || len(c.CTI) != 16 {
				t.Fatalf("national claims %+v, local %+v", c, l)
			}
		})
	}
}

// TestExchangeNationalCode: a national code is not exchanged again.
func TestExchangeNationalCode(t *testing.T) {
	e := newExchangeEnv(t)
	nc, err := e.hub.Exchange(ctx, sign(t, e.cur, localClaims(t0, 1)), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.hub.Exchange(ctx, nc.Code, "192.0.2.1")
	if healthcode.ErrorFields(err)["code"] != "national_code" {
		t.Fatalf("a national code exchanged: %v, want refused as national_code", err)
	}
}

// TestExchangeReplay: the same local code exchanged twice gives two
// national codes of the same content (docs/federation.md says why).
func TestExchangeReplay(t *testing.T) {
	e := newExchangeEnv(t)
	code := sign(t, e.cur, localClaims(t0, 1))
	var ctis [][]byte
	for range 2 {
		nc, err := e.hub.Exchange(ctx, code, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		p, err := hcode.ParseHealth(nc.Code)
		if err != nil {
			t.Fatal(err)
		}
		ctis = append(ctis, p.Health.CTI)
	}
	if bytes.Equal(ctis[0], ctis[1]) {
		t.Fatal("two exchanges gave one cti")
	}
}

// TestExchangeLimits: a person gets 3 at once and 6 a minute; an address
// 100 at once. A limited answer names the wait.
func TestExchangeLimits(t *testing.T) {
	e := newExchangeEnv(t)
	code := sign(t, e.cur, localClaims(t0, 1))
	for i := range hub.ExchangeBurstPerSubject {
		if _, err := e.hub.Exchange(ctx, code, "192.0.2.1"); err != nil {
			t.Fatalf("exchange %d: %v", i+1, err)
		}
	}
	_, err := e.hub.Exchange(ctx, code, "192.0.2.2")
	wantCode(t, err, healthcode.ERATELIMIT)
	if healthcode.ErrorFields(err)["retry_after"] != "10" {
		t.Fatalf("fields %v, want retry_after 10 (6 a minute)", healthcode.ErrorFields(err))
	}
	if _, err := e.hub.Exchange(ctx, sign(t, e.cur, localClaims(t0, 2)), "192.0.2.1"); err != nil {
		t.Fatalf("another person: %v", err)
	}
	e.clock.Add(10 * time.Second)
	if _, err := e.hub.Exchange(ctx, code, "192.0.2.1"); err != nil {
		t.Fatalf("after the wait: %v", err)
	}

	// An address: refused before its codes are looked at.
	for i := 0; ; i++ {
		_, err := e.hub.Exchange(ctx, "not a code", "198.51.100.7")
		if healthcode.ErrorCode(err) == healthcode.ERATELIMIT {
			if i != hub.ExchangeBurstPerAddr {
				t.Fatalf("the address was limited after %d, want %d", i, hub.ExchangeBurstPerAddr)
			}
			break
		}
		if i > 1000 {
			t.Fatal("the address is never limited")
		}
	}
}

// TestExchangeColourHook: the national colour is what NationalColour says
// of the region's.
func TestExchangeColourHook(t *testing.T) {
	e := newExchangeEnv(t)
	e.hub.NationalColour = func(_ context.Context, region string, local healthcode.Colour) (healthcode.Colour, error) {
		if region == hz && local == healthcode.Yellow {
			return healthcode.Red, nil
		}
		return local, nil
	}
	nc, err := e.hub.Exchange(ctx, sign(t, e.cur, localClaims(t0, 1)), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := hcode.ParseHealth(nc.Code)
	if err != nil || nc.Colour != healthcode.Red || p.Health.Colour != healthcode.Red {
		t.Fatalf("colour %v, in the code %v (%v); want red", nc.Colour, p.Health.Colour, err)
	}
}
