package verify

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/base45"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/trust"
)

var iat = time.Date(2022, 4, 1, 8, 0, 0, 0, time.UTC)

// fixture is a trust list with one region and signers in every state a
// key can be in.
type fixture struct {
	list                                    *trust.List
	good, es, revoked, expiredKey, stranger *hcode.Signer
	impostor                                *hcode.Signer // its kid is listed with another public key
}

func signer(t testing.TB, alg string) (*hcode.Signer, trust.Key) {
	t.Helper()
	pub, priv, err := hcode.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := hcode.NewSigner(alg, priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, trust.Key{KID: s.KID(), Alg: alg, PublicKey: pub}
}

func newFixture(t testing.TB) *fixture {
	f := &fixture{}
	var good, es, revoked, expired, impostor trust.Key
	f.good, good = signer(t, healthcode.AlgEdDSA)
	f.es, es = signer(t, healthcode.AlgES256)
	f.revoked, revoked = signer(t, healthcode.AlgEdDSA)
	revoked.Revoked = true
	f.expiredKey, expired = signer(t, healthcode.AlgEdDSA)
	expired.NotBefore, expired.NotAfter = iat.AddDate(-1, 0, 0), iat.Add(-time.Second)
	f.stranger, _ = signer(t, healthcode.AlgEdDSA)
	f.impostor, impostor = signer(t, healthcode.AlgEdDSA)
	_, other := signer(t, healthcode.AlgEdDSA)
	impostor.PublicKey = other.PublicKey
	good.NotBefore = iat.Add(-time.Hour)
	f.list = &trust.List{Version: 1, IssuedAt: iat, Issuer: "CN", Regions: []trust.Region{
		{ID: "CN-330100", Mode: trust.ModeLocal, Keys: []trust.Key{good, es, revoked, expired, impostor}},
		{ID: "CN", Mode: trust.ModeLocal},
	}}
	return f
}

func claims(iss string) *hcode.HealthClaims {
	return &hcode.HealthClaims{
		Issuer: iss, IssuedAt: iat, ExpiresAt: iat.Add(5 * time.Minute),
		CTI: bytes.Repeat([]byte{1}, 16), Subject: bytes.Repeat([]byte{2}, 16),
		Colour: healthcode.Yellow, Action: true, Name: "张*三", IDMasked: "33**************12",
		Test:  &hcode.TestClaim{At: iat.Add(-30 * time.Hour), Result: healthcode.Negative},
		Doses: 3, Home: "CN-310100",
	}
}

func sign(t testing.TB, s *hcode.Signer, iss string) string {
	t.Helper()
	text, err := s.SignHealth(claims(iss))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func zlibBomb() string {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	w.Write(make([]byte, 1<<20))
	w.Close()
	return hcode.HealthPrefix + base45.Encode(b.Bytes())
}

// unsignedWithPayload is a well-formed COSE_Sign1 with the given payload and
// a zero signature.
func unsignedWithPayload(t *testing.T, kid []byte, payload any) string {
	prot, _ := cbor.Marshal(map[int]any{1: -8, 4: kid})
	pl, _ := cbor.Marshal(payload)
	b, err := cbor.Marshal(cbor.Tag{Number: 18, Content: []any{prot, map[int]any{}, pl, make([]byte, 64)}})
	if err != nil {
		t.Fatal(err)
	}
	return hcode.HealthPrefix + base45.Encode(b)
}

func TestVerify(t *testing.T) {
	f := newFixture(t)
	v, err := NewVerifier(f.list)
	if err != nil {
		t.Fatal(err)
	}
	good := sign(t, f.good, "CN-330100")
	exp := iat.Add(5 * time.Minute)
	tests := []struct {
		name string
		text string
		now  time.Time
		want string // error code, "" for valid
	}{
		{"valid Ed25519", good, iat, ""},
		{"valid ES256", sign(t, f.es, "CN-330100"), iat, ""},
		{"valid at exp", good, exp, ""},
		{"valid at iat minus skew", good, iat.Add(-Skew), ""},
		{"expired", good, exp.Add(time.Second), Expired},
		{"not yet valid", good, iat.Add(-Skew - time.Second), NotYetValid},
		{"bad prefix", "HC1:" + strings.TrimPrefix(good, "CNHC1:"), iat, BadPrefix},
		{"bad base45", "CNHC1:abc", iat, BadBase45},
		{"bad compression", hcode.HealthPrefix + base45.Encode([]byte{0x78, 0x9c, 0, 0}), iat, BadCompression},
		{"zlib bomb", zlibBomb(), iat, BadCompression},
		{"bad cose", hcode.HealthPrefix + base45.Encode([]byte("not cbor at all")), iat, BadCOSE},
		{"bad claims", unsignedWithPayload(t, f.good.KID(), map[int]any{1: "CN-330100"}), iat, BadClaims},
		{"unknown region", sign(t, f.good, "CN-310100"), iat, UnknownRegion},
		{"unknown kid", sign(t, f.stranger, "CN-330100"), iat, UnknownKID},
		{"hub region without keys", sign(t, f.good, "CN"), iat, UnknownKID},
		{"bad signature", sign(t, f.impostor, "CN-330100"), iat, BadSignature},
		{"key revoked", sign(t, f.revoked, "CN-330100"), iat, KeyRevoked},
		{"key not valid at iat", sign(t, f.expiredKey, "CN-330100"), iat, KeyNotValidAtIAT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := v.Verify(tt.text, tt.now)
			if got.Valid != (tt.want == "") || got.Error != tt.want {
				t.Fatalf("Verify = valid %v error %q (%s), want error %q", got.Valid, got.Error, got.Message, tt.want)
			}
			if got.Message == "" {
				t.Error("verdict has no message")
			}
		})
	}
}

// A key that is not yet valid at iat fails the same way as one past its end.
func TestVerifyKeyNotYetValidAtIAT(t *testing.T) {
	s, k := signer(t, healthcode.AlgEdDSA)
	k.NotBefore = iat.Add(time.Second)
	v, _ := NewVerifier(&trust.List{Regions: []trust.Region{{ID: "CN-330100", Keys: []trust.Key{k}}}})
	if got := v.Verify(sign(t, s, "CN-330100"), iat); got.Error != KeyNotValidAtIAT {
		t.Errorf("error = %q, want %s", got.Error, KeyNotValidAtIAT)
	}
}

// Several keys may share a kid: the verifier tries each.
func TestVerifySharedKID(t *testing.T) {
	s, k := signer(t, healthcode.AlgEdDSA)
	_, other := signer(t, healthcode.AlgEdDSA)
	decoy := k
	decoy.PublicKey = other.PublicKey
	v, _ := NewVerifier(&trust.List{Regions: []trust.Region{{ID: "CN-330100", Keys: []trust.Key{decoy, k}}}})
	if got := v.Verify(sign(t, s, "CN-330100"), iat); !got.Valid {
		t.Errorf("Verify = %s (%s), want valid", got.Error, got.Message)
	}
}

func TestVerdictJSON(t *testing.T) {
	f := newFixture(t)
	v, _ := NewVerifier(f.list)
	var m map[string]any
	data, _ := json.Marshal(v.Verify(sign(t, f.good, "CN-330100"), iat))
	json.Unmarshal(data, &m)
	want := map[string]any{
		"valid": true, "region": "CN-330100", "colour": "yellow", "action_required": true,
		"issued_at": "2022-04-01T08:00:00Z", "expires_at": "2022-04-01T08:05:00Z",
		"name": "张*三", "id": "33**************12", "home": "CN-310100", "doses": float64(3),
	}
	for k, w := range want {
		if m[k] != w {
			t.Errorf("%s = %v, want %v (%s)", k, m[k], w, data)
		}
	}
	if _, ok := m["error"]; ok {
		t.Errorf("valid verdict carries an error: %s", data)
	}
	if lt, _ := m["latest_test"].(map[string]any); lt["result"] != "negative" || lt["sampled_at"] != "2022-03-31T02:00:00Z" {
		t.Errorf("latest_test = %v", m["latest_test"])
	}
	if m["kid"] == nil {
		t.Error("no kid")
	}

	// A forged code shows nothing from its claims.
	data, _ = json.Marshal(v.Verify(sign(t, f.impostor, "CN-330100"), iat))
	m = nil
	json.Unmarshal(data, &m)
	if m["error"] != BadSignature || m["valid"] != false {
		t.Errorf("forged verdict = %s", data)
	}
	for _, k := range []string{"colour", "name", "id", "expires_at", "latest_test"} {
		if _, ok := m[k]; ok {
			t.Errorf("forged verdict shows %s: %s", k, data)
		}
	}
}

func TestNewVerifierRejectsBadKey(t *testing.T) {
	l := &trust.List{Regions: []trust.Region{{ID: "CN-330100", Keys: []trust.Key{{KID: []byte{1}, Alg: "EdDSA", PublicKey: []byte{1, 2}}}}}}
	if _, err := NewVerifier(l); err == nil {
		t.Error("NewVerifier accepted a 2-byte Ed25519 key")
	}
}

func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	v, _ := NewVerifier(fx.list)
	f.Add(sign(f, fx.good, "CN-330100"))
	f.Add(sign(f, fx.es, "CN-330100"))
	f.Add("CNHC1:")
	f.Add(zlibBomb())
	f.Fuzz(func(t *testing.T, text string) {
		got := v.Verify(text, iat)
		if got.Valid != (got.Error == "") {
			t.Fatalf("inconsistent verdict %+v", got)
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("verdict does not marshal: %v", err)
		}
	})
}

// TestVerifyNationalCode: a national code (iss "CN", the hub's own region
// in the list, "h" the home region) verifies like a region's code, and
// says whose it is.
func TestVerifyNationalCode(t *testing.T) {
	hub, hubKey := signer(t, healthcode.AlgEdDSA)
	region, regionKey := signer(t, healthcode.AlgEdDSA)
	list := &trust.List{Version: 1, IssuedAt: iat, Issuer: "CN", Regions: []trust.Region{
		{ID: "CN", Name: "国家", Mode: trust.ModeNational, Keys: []trust.Key{hubKey}},
		{ID: "CN-330100", Mode: trust.ModeLocal, Keys: []trust.Key{regionKey}},
	}}
	v, err := NewVerifier(list)
	if err != nil {
		t.Fatal(err)
	}
	national := func(home string) *hcode.HealthClaims {
		c := claims("CN")
		c.Home = home
		return c
	}
	tests := []struct {
		name   string
		signer *hcode.Signer
		claims *hcode.HealthClaims
		want   string
	}{
		{"by the hub's key", hub, national("CN-330100"), ""},
		{"by a region's key", region, national("CN-330100"), UnknownKID},
		{"the hub's key on a region's code", hub, claims("CN-330100"), UnknownKID},
	}
	for _, tt := range tests {
		text, err := tt.signer.SignHealth(tt.claims)
		if err != nil {
			t.Fatal(err)
		}
		got := v.Verify(text, iat)
		if got.Error != tt.want {
			t.Fatalf("%s: error %q (%s), want %q", tt.name, got.Error, got.Message, tt.want)
		}
		if tt.want == "" && (got.Region != "CN" || got.Home != "CN-330100" || got.Claims.SubjectRegion() != "CN-330100") {
			t.Fatalf("%s: verdict %+v, want region CN, home CN-330100", tt.name, got)
		}
	}
}

// NewVerifierFrom takes over the index of a region whose keys are the same
// slice, and indexes anew one whose keys changed: a key revoked at a
// refresh stops verifying, the other region's codes still verify.
func TestNewVerifierFromRefresh(t *testing.T) {
	f := newFixture(t)
	other, otherKey := signer(t, healthcode.AlgEdDSA)
	f.list.Regions = append(f.list.Regions, trust.Region{ID: "CN-310100", Mode: trust.ModeLocal, Keys: []trust.Key{otherKey}})
	first, err := NewVerifierFrom(nil, f.list)
	if err != nil {
		t.Fatal(err)
	}
	at := iat.Add(time.Minute)
	if vd := first.Verify(sign(t, f.good, "CN-330100"), at); !vd.Valid {
		t.Fatalf("before the refresh: %+v", vd)
	}

	// The refresh: CN-330100's keys are a new slice with the good key
	// revoked; CN-310100's are shared, as a trust.Reader shares them.
	next := *f.list
	next.Regions = append([]trust.Region(nil), f.list.Regions...)
	keys := append([]trust.Key(nil), next.Regions[0].Keys...)
	keys[0].Revoked = true
	next.Regions[0].Keys = keys
	v, err := NewVerifierFrom(first, &next)
	if err != nil {
		t.Fatal(err)
	}
	if vd := v.Verify(sign(t, f.good, "CN-330100"), at); vd.Valid || vd.Error != KeyRevoked {
		t.Errorf("a key revoked at the refresh: %+v, want %s", vd, KeyRevoked)
	}
	if vd := v.Verify(sign(t, other, "CN-310100"), at); !vd.Valid {
		t.Errorf("the unchanged region: %+v", vd)
	}
	// The verifier before is left as it was.
	if vd := first.Verify(sign(t, f.good, "CN-330100"), at); !vd.Valid {
		t.Errorf("the verifier before the refresh changed: %+v", vd)
	}
	// A region the new list drops is gone, even though prev had it.
	next.Regions = next.Regions[:1]
	if v, err = NewVerifierFrom(first, &next); err != nil {
		t.Fatal(err)
	}
	if vd := v.Verify(sign(t, other, "CN-310100"), at); vd.Error != UnknownRegion {
		t.Errorf("a region dropped at the refresh: %+v, want %s", vd, UnknownRegion)
	}
}
