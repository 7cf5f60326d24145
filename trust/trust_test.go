package trust

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

var t0 = time.Date(2022, 4, 1, 0, 0, 0, 0, time.UTC)

func sampleList(t *testing.T) *List {
	t.Helper()
	edPub, _, _ := hcode.GenerateKey(healthcode.AlgEdDSA)
	ecPub, _, _ := hcode.GenerateKey(healthcode.AlgES256)
	return &List{
		Version: 1, IssuedAt: t0, Issuer: "CN",
		Regions: []Region{
			{ID: "CN-330100", Name: "杭州市", Mode: ModeLocal, Endpoint: "https://hz.example/",
				Keys: []Key{
					{KID: hcode.KID("EdDSA", edPub), Alg: "EdDSA", PublicKey: edPub, NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0)},
					{KID: hcode.KID("ES256", ecPub), Alg: "ES256", PublicKey: ecPub, Revoked: true},
				}},
			{ID: "CN-540100", Name: "拉萨市", Mode: ModeNational, Keys: []Key{}},
		},
	}
}

func TestParsePlainJSONRoundTrip(t *testing.T) {
	in := sampleList(t)
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`"issued_at"`, `"public_key"`, `"not_before"`, `"not_after"`, `"revoked"`, `"mode":"national"`, `"endpoint"`} {
		if !strings.Contains(string(data), name) {
			t.Errorf("JSON lacks %s: %s", name, data)
		}
	}
	// An open key leaves its bounds out rather than writing year 1.
	if strings.Count(string(data), `"not_before"`) != 1 {
		t.Errorf("zero not_before was written: %s", data)
	}
	got, err := Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, in) {
		t.Errorf("Parse(Marshal(list)) = %+v, want %+v", got, in)
	}
}

func TestParseDesignExample(t *testing.T) {
	pub := make([]byte, 32)
	doc := fmt.Sprintf(`{"version": 1, "issued_at": "2022-04-01T00:00:00Z", "issuer": "CN",
	 "regions": [{"id": "CN-330100", "name": "杭州市", "mode": "local",
	              "endpoint": "https://hz.example",
	              "keys": [{"kid": "Zmh6rfhivXc=", "alg": "EdDSA",
	                        "public_key": %q,
	                        "not_before": "2022-01-01T00:00:00Z", "not_after": "2023-01-01T00:00:00+08:00",
	                        "revoked": false}]}]}`, base64.StdEncoding.EncodeToString(pub))
	l, err := Parse([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	k := l.Regions[0].Keys[0]
	if string(k.KID) != string(hcode.KID("EdDSA", pub)) || len(k.PublicKey) != 32 || k.NotAfter.IsZero() {
		t.Errorf("key = %+v", k)
	}
}

func TestParseJWS(t *testing.T) {
	hubPub, hubPriv, _ := ed25519.GenerateKey(nil)
	otherPub, _, _ := ed25519.GenerateKey(nil)
	list := sampleList(t)
	jws, err := SignJWS(list, hubPriv, HubKID(hubPub))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := json.Marshal(list)
	parts := strings.Split(jws, ".")
	forged := list
	forged.Regions = forged.Regions[:1]
	forgedPayload, _ := json.Marshal(forged)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forgedPayload) + "." + parts[2]
	// Not JSON either: the signature, checked beside the read, is what
	// the refusal names.
	tamperedGarbage := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("{not json")) + "." + parts[2]
	// Signed by the hub, but naming an extension no verifier knows.
	critHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA","kid":"` + HubKID(hubPub) + `","crit":["x-ext"],"x-ext":1}`))
	critInput := critHeader + "." + parts[1]
	crit := critInput + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(hubPriv, []byte(critInput)))

	tests := []struct {
		name    string
		data    string
		hubKey  ed25519.PublicKey
		ok      bool
		message string // in the refusal, when set
	}{
		{"signed, checked", jws, hubPub, true, ""},
		{"signed, with trailing newline", jws + "\n", hubPub, true, ""},
		{"signed, no hub key: read unverified", jws, nil, true, ""},
		{"signed by another hub", jws, otherPub, false, "signature"},
		{"tampered payload", tampered, hubPub, false, "signature"},
		{"tampered payload, not JSON", tamperedGarbage, hubPub, false, "signature"},
		{"critical header extension", crit, hubPub, false, "critical extension"},
		{"plain JSON when a hub key is set", string(plain), hubPub, false, ""},
		{"plain JSON, no hub key", string(plain), nil, true, ""},
		{"garbage", "not a list", nil, false, ""},
		{"empty", "", nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse([]byte(tt.data), tt.hubKey)
			if (err == nil) != tt.ok {
				t.Fatalf("Parse = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && healthcode.ErrorCode(err) != healthcode.EINVALID {
				t.Errorf("error code = %s, want invalid", healthcode.ErrorCode(err))
			}
			if err != nil && !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if err == nil && len(l.Regions) != 2 {
				t.Errorf("parsed %d regions, want 2", len(l.Regions))
			}
		})
	}
}

func TestParseValidation(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"kid not base64", func(m map[string]any) { key(m)["kid"] = "***" }, "regions[0].keys[0].kid"},
		{"public key not base64", func(m map[string]any) { key(m)["public_key"] = "%%" }, "regions[0].keys[0].public_key"},
		{"Ed25519 key of 31 bytes", func(m map[string]any) {
			key(m)["public_key"] = base64.StdEncoding.EncodeToString(make([]byte, 31))
		}, "regions[0].keys[0].public_key"},
		{"unknown alg", func(m map[string]any) { key(m)["alg"] = "RS256" }, "regions[0].keys[0].alg"},
		{"bounds reversed", func(m map[string]any) { key(m)["not_after"] = "2021-01-01T00:00:00Z" }, "regions[0].keys[0].not_after"},
		{"region id without CN-", func(m map[string]any) { region(m)["id"] = "330100" }, "regions[0].id"},
		{"region id of five digits", func(m map[string]any) { region(m)["id"] = "CN-33010" }, "regions[0].id"},
		{"duplicate region", func(m map[string]any) {
			m["regions"] = append(m["regions"].([]any), m["regions"].([]any)[0])
		}, "regions[2].id"},
		{"bad mode", func(m map[string]any) { region(m)["mode"] = "remote" }, "regions[0].mode"},
		{"bad endpoint", func(m map[string]any) { region(m)["endpoint"] = "ftp://x" }, "regions[0].endpoint"},
		{"issuer", func(m map[string]any) { m["issuer"] = "CN-330100" }, "issuer"},
		{"version", func(m map[string]any) { m["version"] = 0 }, "version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, _ := json.Marshal(sampleList(t))
			var m map[string]any
			json.Unmarshal(data, &m)
			tt.edit(m)
			data, _ = json.Marshal(m)
			_, err := Parse(data, nil)
			if _, ok := healthcode.ErrorFields(err)[tt.field]; !ok {
				t.Fatalf("Parse = %v (fields %v), want a reason for %s", err, healthcode.ErrorFields(err), tt.field)
			}
		})
	}
}

func region(m map[string]any) map[string]any { return m["regions"].([]any)[0].(map[string]any) }

func key(m map[string]any) map[string]any {
	return region(m)["keys"].([]any)[0].(map[string]any)
}

func TestKeys(t *testing.T) {
	l := sampleList(t)
	ed := l.Regions[0].Keys[0]
	// A second key whose kid collides with the first.
	twin := ed
	twin.PublicKey = make([]byte, 32)
	l.Regions[0].Keys = append(l.Regions[0].Keys, twin)

	if got := l.Keys("CN-330100", ed.KID); len(got) != 2 {
		t.Errorf("Keys(shared kid) returned %d keys, want 2", len(got))
	}
	if got := l.Keys("CN-330100", []byte("nope")); len(got) != 0 {
		t.Errorf("Keys(unknown kid) = %v", got)
	}
	if got := l.Keys("CN-310100", ed.KID); got != nil {
		t.Errorf("Keys(unknown region) = %v", got)
	}
	if l.Region("CN-540100") == nil || l.Region("CN-000000") != nil {
		t.Error("Region lookup wrong")
	}
}

func TestKeyValidAt(t *testing.T) {
	k := Key{NotBefore: t0, NotAfter: t0.Add(time.Hour)}
	open := Key{}
	tests := []struct {
		key  Key
		at   time.Time
		want bool
	}{
		{k, t0.Add(-time.Second), false},
		{k, t0, true},
		{k, t0.Add(time.Hour), true},
		{k, t0.Add(time.Hour + time.Second), false},
		{open, time.Unix(1, 0), true},
		{Key{NotBefore: t0}, t0.AddDate(50, 0, 0), true},
		{Key{NotAfter: t0}, t0.AddDate(-50, 0, 0), true},
	}
	for _, tt := range tests {
		if got := tt.key.ValidAt(tt.at); got != tt.want {
			t.Errorf("%+v.ValidAt(%v) = %v, want %v", tt.key, tt.at, got, tt.want)
		}
	}
}
