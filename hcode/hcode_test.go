package hcode

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/base45"
	"github.com/veraison/go-cose"
)

var t0 = time.Date(2022, 4, 1, 8, 0, 0, 0, time.UTC)

func sampleHealth() *HealthClaims {
	return &HealthClaims{
		Issuer:    "CN-330100",
		IssuedAt:  t0,
		ExpiresAt: t0.Add(5 * time.Minute),
		CTI:       bytes.Repeat([]byte{7}, 16),
		Subject:   bytes.Repeat([]byte{9}, 16),
		Colour:    healthcode.Yellow,
		Action:    true,
		Name:      "张*三",
		IDMasked:  "33**************12",
		Test:      &TestClaim{At: t0.Add(-20 * time.Hour), Result: healthcode.Negative},
		Doses:     3,
		Home:      "CN-310100",
	}
}

func samplePlace() *PlaceClaims {
	return &PlaceClaims{
		Issuer: "CN-330100", IssuedAt: t0, CTI: bytes.Repeat([]byte{1}, 16),
		ID: "v-42", Kind: "pharmacy", Name: "西湖大药房", Division: "330106",
	}
}

func newSigner(t testing.TB, alg string) (*Signer, []byte) {
	t.Helper()
	pub, priv, err := GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(alg, priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, pub
}

func TestHealthRoundTrip(t *testing.T) {
	for _, alg := range []string{healthcode.AlgEdDSA, healthcode.AlgES256} {
		t.Run(alg, func(t *testing.T) {
			s, pub := newSigner(t, alg)
			in := sampleHealth()
			text, err := s.SignHealth(in)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(text, "CNHC1:") {
				t.Fatalf("text %q lacks the CNHC1: prefix", text)
			}
			p, err := ParseHealth(text)
			if err != nil {
				t.Fatal(err)
			}
			if p.Alg != alg || !bytes.Equal(p.KID, KID(alg, pub)) {
				t.Errorf("alg, kid = %s, %x; want %s, %x", p.Alg, p.KID, alg, KID(alg, pub))
			}
			if !reflect.DeepEqual(p.Health, in) {
				t.Errorf("claims = %+v, want %+v", p.Health, in)
			}
			key, err := ParsePublicKey(alg, pub)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.VerifySignature(key); err != nil {
				t.Errorf("VerifySignature: %v", err)
			}
			other, _ := newSigner(t, alg)
			okey, _ := ParsePublicKey(alg, other.PublicKey())
			if err := p.VerifySignature(okey); !errors.Is(err, ErrSignature) {
				t.Errorf("VerifySignature under another key = %v, want ErrSignature", err)
			}
		})
	}
}

func TestPlaceRoundTrip(t *testing.T) {
	s, pub := newSigner(t, healthcode.AlgEdDSA)
	in := samplePlace()
	text, err := s.SignPlace(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "CNPC1:") {
		t.Fatalf("text %q lacks the CNPC1: prefix", text)
	}
	raw, err := base45.Decode(strings.TrimPrefix(text, "CNPC1:"))
	if err != nil || raw[0] != 0xd2 {
		t.Fatalf("place code body must be an uncompressed tagged COSE_Sign1, got %x, %v", raw[:1], err)
	}
	p, err := ParsePlace(text)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Place, in) {
		t.Errorf("claims = %+v, want %+v", p.Place, in)
	}
	key, _ := ParsePublicKey(healthcode.AlgEdDSA, pub)
	if err := p.VerifySignature(key); err != nil {
		t.Error(err)
	}
	if _, err := ParseHealth(text); !errors.Is(err, ErrPrefix) {
		t.Errorf("ParseHealth(place code) = %v, want ErrPrefix", err)
	}
}

// The claims map must carry exactly the keys of DESIGN §3, with optional
// ones absent rather than zero.
func TestHealthWireKeys(t *testing.T) {
	s, _ := newSigner(t, healthcode.AlgEdDSA)
	for _, tt := range []struct {
		name   string
		edit   func(*HealthClaims)
		hcKeys []string
	}{
		{"full", func(*HealthClaims) {}, []string{"a", "c", "d", "h", "i", "n", "s", "t", "v"}},
		{"minimal", func(c *HealthClaims) { c.Action, c.Test, c.Doses, c.Home = false, nil, 0, "" }, []string{"c", "i", "n", "s", "v"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := sampleHealth()
			tt.edit(c)
			text, err := s.SignHealth(c)
			if err != nil {
				t.Fatal(err)
			}
			payload := cosePayload(t, text)
			var top map[any]any
			if err := cbor.Unmarshal(payload, &top); err != nil {
				t.Fatal(err)
			}
			if top[uint64(1)] != "CN-330100" || top[uint64(6)] != uint64(t0.Unix()) || top[uint64(4)] != uint64(t0.Unix()+300) {
				t.Errorf("iss/iat/exp = %v/%v/%v", top[uint64(1)], top[uint64(6)], top[uint64(4)])
			}
			if len(top) != 5 {
				t.Errorf("claims map has %d keys, want 1, 4, 6, 7, hc: %v", len(top), top)
			}
			hc := top["hc"].(map[any]any)
			var keys []string
			for k := range hc {
				keys = append(keys, k.(string))
			}
			sortStrings(keys)
			if !reflect.DeepEqual(keys, tt.hcKeys) {
				t.Errorf("hc keys = %v, want %v", keys, tt.hcKeys)
			}
			if hc["v"] != uint64(1) {
				t.Errorf("hc.v = %v, want 1", hc["v"])
			}
		})
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

// cosePayload extracts the CWT payload of a health code with go-cose.
func cosePayload(t *testing.T, text string) []byte {
	t.Helper()
	var m cose.Sign1Message
	if err := m.UnmarshalCBOR(inflated(t, text)); err != nil {
		t.Fatal(err)
	}
	return m.Payload
}

func inflated(t *testing.T, text string) []byte {
	t.Helper()
	raw, err := base45.Decode(strings.TrimPrefix(text, HealthPrefix))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := b.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Our codes verify with an independent COSE implementation, and its
// messages verify with ours.
func TestInteropWithGoCOSE(t *testing.T) {
	pub, priv, _ := GenerateKey(healthcode.AlgEdDSA)
	s, _ := NewSigner(healthcode.AlgEdDSA, priv)
	text, err := s.SignHealth(sampleHealth())
	if err != nil {
		t.Fatal(err)
	}
	var m cose.Sign1Message
	if err := m.UnmarshalCBOR(inflated(t, text)); err != nil {
		t.Fatal(err)
	}
	v, _ := cose.NewVerifier(cose.AlgorithmEdDSA, ed25519.PublicKey(pub))
	if err := m.Verify(nil, v); err != nil {
		t.Fatalf("go-cose rejects our signature: %v", err)
	}
	if kid := m.Headers.Protected[cose.HeaderLabelKeyID]; !bytes.Equal(kid.([]byte), s.KID()) {
		t.Errorf("go-cose reads kid %x, want %x", kid, s.KID())
	}
	if len(m.Headers.Protected) != 2 || len(m.Headers.Unprotected) != 0 {
		t.Errorf("headers = %v / %v, want alg and kid protected only", m.Headers.Protected, m.Headers.Unprotected)
	}

	// And the other way round, for ES256, uncompressed.
	epub, epriv, _ := GenerateKey(healthcode.AlgES256)
	k, _ := x509.ParsePKCS8PrivateKey(epriv)
	gs, _ := cose.NewSigner(cose.AlgorithmES256, k.(*ecdsa.PrivateKey))
	msg := cose.NewSign1Message()
	msg.Headers.Protected.SetAlgorithm(cose.AlgorithmES256)
	msg.Headers.Protected[cose.HeaderLabelKeyID] = KID(healthcode.AlgES256, epub)
	msg.Payload, _ = encMode.Marshal(healthToWire(sampleHealth()))
	if err := msg.Sign(nil, nil, gs); err != nil {
		t.Fatal(err)
	}
	b, _ := msg.MarshalCBOR()
	p, err := ParseHealth(HealthPrefix + base45.Encode(b))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ParsePublicKey(healthcode.AlgES256, epub)
	if err := p.VerifySignature(key); err != nil {
		t.Errorf("go-cose ES256 signature rejected: %v", err)
	}
}

// signedRaw signs an arbitrary payload the way Signer does, so that tests
// can build well-signed codes with bad claims.
func signedRaw(s *Signer, payload []byte) []byte {
	tbs := appendToBeSigned(nil, s.protected, payload)
	sig, _ := s.signature(tbs)
	return appendSign1(nil, s.protected, payload, sig)
}

func zlibBytes(b []byte) []byte {
	var buf bytes.Buffer
	appendCompress(&buf, b)
	return buf.Bytes()
}

func TestParseHealthErrors(t *testing.T) {
	s, _ := newSigner(t, healthcode.AlgEdDSA)
	good, _ := s.SignHealth(sampleHealth())
	noHC, _ := encMode.Marshal(map[int]any{1: "CN-330100", 6: t0.Unix(), 4: t0.Unix() + 60})
	badColour := healthToWire(sampleHealth())
	badColour.HC.C = 7
	badColourCBOR, _ := encMode.Marshal(badColour)
	v2 := healthToWire(sampleHealth())
	v2.HC.V = 2
	v2CBOR, _ := encMode.Marshal(v2)
	bomb := zlibBytes(make([]byte, MaxInflated+1))
	badAlg, _ := encMode.Marshal(protectedHeader{Alg: -35, KID: []byte{1}})

	tests := []struct {
		name string
		text string
		want error
	}{
		{"empty", "", ErrPrefix},
		{"place prefix", "CNPC1:" + good[6:], ErrPrefix},
		{"lower case prefix", "cnhc1:" + good[6:], ErrPrefix},
		{"bad base45 char", HealthPrefix + "ab#", ErrBase45},
		{"dangling base45", HealthPrefix + "BB8A", ErrBase45},
		{"base45 group above 65535", HealthPrefix + "GGW", ErrBase45},
		{"zlib header then junk", HealthPrefix + base45.Encode([]byte{0x78, 0x9c, 1, 2, 3}), ErrCompression},
		{"zlib bad checksum", HealthPrefix + base45.Encode(corruptTail(zlibBytes(signedRaw(s, noHC)))), ErrCompression},
		{"zlib bomb", HealthPrefix + base45.Encode(bomb), ErrCompression},
		{"not cbor", HealthPrefix + base45.Encode([]byte("hello")), ErrCOSE},
		{"empty body", HealthPrefix, ErrCOSE},
		{"array of three", HealthPrefix + base45.Encode([]byte{0x83, 0x40, 0xa0, 0x40}), ErrCOSE},
		{"unknown alg", HealthPrefix + base45.Encode(appendSign1(nil, badAlg, noHC, make([]byte, 64))), ErrCOSE},
		{"no hc claim", HealthPrefix + base45.Encode(zlibBytes(signedRaw(s, noHC))), ErrClaims},
		{"colour 7", HealthPrefix + base45.Encode(signedRaw(s, badColourCBOR)), ErrClaims},
		{"version 2", HealthPrefix + base45.Encode(signedRaw(s, v2CBOR)), ErrClaims},
		{"payload not a map", HealthPrefix + base45.Encode(signedRaw(s, []byte{0x01})), ErrClaims},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHealth(tt.text)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseHealth = %v, want %v", err, tt.want)
			}
			if healthcode.ErrorCode(err) != healthcode.EINVALID || healthcode.ErrorMessage(err) == "" {
				t.Errorf("error %v: want EINVALID with a message", err)
			}
		})
	}
}

func corruptTail(b []byte) []byte {
	b = append([]byte(nil), b...)
	b[len(b)-1] ^= 0xff
	return b
}

func TestParseAcceptsUncompressed(t *testing.T) {
	s, pub := newSigner(t, healthcode.AlgEdDSA)
	payload, _ := encMode.Marshal(healthToWire(sampleHealth()))
	p, err := ParseHealth(HealthPrefix + base45.Encode(signedRaw(s, payload)))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ParsePublicKey(healthcode.AlgEdDSA, pub)
	if err := p.VerifySignature(key); err != nil {
		t.Error(err)
	}
}

func TestTamperedPayloadFailsSignature(t *testing.T) {
	s, pub := newSigner(t, healthcode.AlgEdDSA)
	c := sampleHealth()
	c.Colour = healthcode.Red
	payload, _ := encMode.Marshal(healthToWire(c))
	raw := signedRaw(s, payload)
	green, _ := encMode.Marshal(healthToWire(sampleHealth()))
	// Swap a red payload for a same-length yellow one under the red signature.
	raw = bytes.Replace(raw, payload, green, 1)
	p, err := ParseHealth(HealthPrefix + base45.Encode(raw))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ParsePublicKey(healthcode.AlgEdDSA, pub)
	if err := p.VerifySignature(key); !errors.Is(err, ErrSignature) {
		t.Errorf("VerifySignature of a tampered code = %v, want ErrSignature", err)
	}
}

func TestHealthValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*HealthClaims)
		field string
	}{
		{"valid", func(*HealthClaims) {}, ""},
		{"hub issuer", func(c *HealthClaims) { c.Issuer = "CN" }, ""},
		{"bad issuer", func(c *HealthClaims) { c.Issuer = "CN-33010" }, "iss"},
		{"no iat", func(c *HealthClaims) { c.IssuedAt = time.Time{} }, "iat"},
		{"exp before iat", func(c *HealthClaims) { c.ExpiresAt = c.IssuedAt }, "exp"},
		{"exp past year 9999", func(c *HealthClaims) { c.ExpiresAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "exp"},
		{"no subject", func(c *HealthClaims) { c.Subject = nil }, "s"},
		{"colour", func(c *HealthClaims) { c.Colour = 3 }, "c"},
		{"test result", func(c *HealthClaims) { c.Test.Result = 2 }, "t.r"},
		{"test time", func(c *HealthClaims) { c.Test.At = time.Time{} }, "t.at"},
		{"doses", func(c *HealthClaims) { c.Doses = -1 }, "d"},
		{"home", func(c *HealthClaims) { c.Home = "Shanghai" }, "h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sampleHealth()
			tt.edit(c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if _, ok := healthcode.ErrorFields(err)[tt.field]; !ok {
				t.Fatalf("Validate = %v, want a reason for %q", err, tt.field)
			}
		})
	}
}

func TestPlaceValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*PlaceClaims)
		field string
	}{
		{"valid", func(*PlaceClaims) {}, ""},
		{"every kind", func(c *PlaceClaims) { c.Kind = "other" }, ""},
		{"unknown kind", func(c *PlaceClaims) { c.Kind = "bar" }, "k"},
		{"no id", func(c *PlaceClaims) { c.ID = "" }, "id"},
		{"bad division", func(c *PlaceClaims) { c.Division = "33A106" }, "r"},
		{"bad issuer", func(c *PlaceClaims) { c.Issuer = "" }, "iss"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := samplePlace()
			tt.edit(c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if _, ok := healthcode.ErrorFields(err)[tt.field]; !ok {
				t.Fatalf("Validate = %v, want a reason for %q", err, tt.field)
			}
		})
	}
}

func TestSignRefusesInvalidClaims(t *testing.T) {
	s, _ := newSigner(t, healthcode.AlgEdDSA)
	c := sampleHealth()
	c.Issuer = ""
	if _, err := s.SignHealth(c); healthcode.ErrorCode(err) != healthcode.EINVALID {
		t.Errorf("SignHealth(no issuer) = %v, want EINVALID", err)
	}
}

func TestKIDAndKeys(t *testing.T) {
	// SHA-256 of 32 zero bytes starts 66687aadf862bd77.
	if got := KID(healthcode.AlgEdDSA, make([]byte, 32)); !bytes.Equal(got, []byte{0x66, 0x68, 0x7a, 0xad, 0xf8, 0x62, 0xbd, 0x77}) {
		t.Errorf("KID(zero key) = %x", got)
	}
	edPub, edPriv, _ := GenerateKey(healthcode.AlgEdDSA)
	if len(edPub) != 32 {
		t.Errorf("Ed25519 public key has %d bytes, want raw 32", len(edPub))
	}
	if _, err := NewSigner(healthcode.AlgES256, edPriv); err == nil {
		t.Error("NewSigner(ES256, Ed25519 key) accepted the mismatch")
	}
	if _, err := NewSigner(healthcode.AlgEdDSA, []byte("junk")); err == nil {
		t.Error("NewSigner accepted junk")
	}
	ecPub, _, _ := GenerateKey(healthcode.AlgES256)
	if _, err := x509.ParsePKIXPublicKey(ecPub); err != nil {
		t.Errorf("ES256 public key is not DER SPKI: %v", err)
	}
	for _, tt := range []struct {
		alg string
		key []byte
		ok  bool
	}{
		{healthcode.AlgEdDSA, edPub, true},
		{healthcode.AlgEdDSA, edPub[:31], false},
		{healthcode.AlgES256, ecPub, true},
		{healthcode.AlgES256, edPub, false},
		{"RS256", ecPub, false},
	} {
		if _, err := ParsePublicKey(tt.alg, tt.key); (err == nil) != tt.ok {
			t.Errorf("ParsePublicKey(%s, %d bytes) = %v, want ok=%v", tt.alg, len(tt.key), err, tt.ok)
		}
	}
	if _, _, err := GenerateKey("none"); err == nil {
		t.Error("GenerateKey(none) succeeded")
	}
}

func TestValidRegion(t *testing.T) {
	for id, want := range map[string]bool{
		"CN": true, "CN-330100": true, "CN-000000": true,
		"": false, "cn": false, "CN-3301": false, "CN-3301000": false, "CN-33010a": false, "US-330100": false,
	} {
		if ValidRegion(id) != want {
			t.Errorf("ValidRegion(%q) = %v, want %v", id, !want, want)
		}
	}
}

func FuzzParseHealth(f *testing.F) {
	pub, priv, _ := GenerateKey(healthcode.AlgEdDSA)
	s, _ := NewSigner(healthcode.AlgEdDSA, priv)
	key, _ := ParsePublicKey(healthcode.AlgEdDSA, pub)
	good, _ := s.SignHealth(sampleHealth())
	place, _ := s.SignPlace(samplePlace())
	f.Add(good)
	f.Add(place)
	f.Add(HealthPrefix)
	f.Add(HealthPrefix + base45.Encode([]byte{0x78, 0x9c}))
	f.Fuzz(func(t *testing.T, text string) {
		if p, err := ParseHealth(text); err == nil {
			p.VerifySignature(key)
		}
		if p, err := ParsePlace(text); err == nil {
			p.VerifySignature(key)
		}
	})
}

func TestSubjectRegion(t *testing.T) {
	tests := []struct {
		iss, home, want string
	}{
		{"CN-330100", "", "CN-330100"},
		{"CN-330100", "CN-440100", "CN-330100"}, // a local code's subject is the issuer's
		{"CN", "CN-440100", "CN-440100"},        // a national code carries the home region's
		{"CN", "", "CN"},
	}
	for _, tt := range tests {
		c := &HealthClaims{Issuer: tt.iss, Home: tt.home}
		if got := c.SubjectRegion(); got != tt.want {
			t.Errorf("iss %q h %q: SubjectRegion %q, want %q", tt.iss, tt.home, got, tt.want)
		}
	}
}
