package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/qr"
	"github.com/healthcode/healthcode/trust"
)

var verifyIAT = time.Date(2022, 4, 1, 8, 0, 0, 0, time.UTC)

// verifyFixture writes a plain and a hub-signed trust list for one region
// and issues a code from it.
type verifyFixture struct {
	dir, plainFile, jwsFile, code string
	hubPub                        ed25519.PublicKey
}

func newVerifyFixture(t *testing.T) *verifyFixture {
	t.Helper()
	pub, priv, _ := hcode.GenerateKey(healthcode.AlgEdDSA)
	s, _ := hcode.NewSigner(healthcode.AlgEdDSA, priv)
	code, err := s.SignHealth(&hcode.HealthClaims{
		Issuer: "CN-330100", IssuedAt: verifyIAT, ExpiresAt: verifyIAT.Add(5 * time.Minute),
		CTI: make([]byte, 16), Subject: make([]byte, 16), Colour: healthcode.Red, Name: "张*三", IDMasked: "33**12",
	})
	if err != nil {
		t.Fatal(err)
	}
	list := &trust.List{Version: 1, IssuedAt: verifyIAT, Issuer: "CN", Regions: []trust.Region{{
		ID: "CN-330100", Name: "杭州市", Mode: trust.ModeLocal,
		Keys: []trust.Key{{KID: s.KID(), Alg: healthcode.AlgEdDSA, PublicKey: pub}},
	}}}
	hubPub, hubPriv, _ := ed25519.GenerateKey(nil)
	jws, err := trust.SignJWS(list, hubPriv, trust.HubKID(hubPub))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := json.Marshal(list)
	f := &verifyFixture{dir: t.TempDir(), code: code, hubPub: hubPub}
	f.plainFile = filepath.Join(f.dir, "trust.json")
	f.jwsFile = filepath.Join(f.dir, "trust.jws")
	os.WriteFile(f.plainFile, plain, 0o600)
	os.WriteFile(f.jwsFile, []byte(jws), 0o600)
	return f
}

func runVerifyCmd(t *testing.T, args ...string) (code int, verdict map[string]any, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"verify"}, args...), &out, &errb)
	if out.Len() > 0 {
		if err := json.Unmarshal(out.Bytes(), &verdict); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, out.String())
		}
	}
	return code, verdict, errb.String()
}

func TestVerifyCommand(t *testing.T) {
	t.Setenv("HEALTHCODE_TRUST", "")
	t.Setenv("HEALTHCODE_HUB_KEY", "")
	f := newVerifyFixture(t)
	at := "--at=" + verifyIAT.Add(time.Minute).Format(time.RFC3339)
	hubKey := "--hub-key=" + base64.StdEncoding.EncodeToString(f.hubPub)
	otherHub, _, _ := ed25519.GenerateKey(nil)

	tests := []struct {
		name      string
		args      []string
		exit      int
		wantError string // verdict error code, when a verdict is printed
	}{
		{"valid", []string{"--trust", f.plainFile, at, f.code}, 0, ""},
		{"signed list checked with the hub key", []string{"--trust", f.jwsFile, hubKey, at, f.code}, 0, ""},
		{"expired", []string{"--trust", f.plainFile, "--at", verifyIAT.Add(time.Hour).Format(time.RFC3339), f.code}, 1, "expired"},
		{"tampered code", []string{"--trust", f.plainFile, at, f.code[:len(f.code)-3] + "000"}, 1, ""},
		{"not a code", []string{"--trust", f.plainFile, at, "hello"}, 1, "bad_prefix"},
		{"missing code", []string{"--trust", f.plainFile}, 2, ""},
		{"two codes", []string{"--trust", f.plainFile, f.code, f.code}, 2, ""},
		{"bad --at", []string{"--trust", f.plainFile, "--at", "yesterday", f.code}, 2, ""},
		{"bad flag", []string{"--colour", f.code}, 2, ""},
		{"no trust list", []string{f.code}, 2, ""},
		{"unreadable trust list", []string{"--trust", filepath.Join(f.dir, "missing.json"), f.code}, 2, ""},
		{"plain list with a hub key", []string{"--trust", f.plainFile, hubKey, f.code}, 2, ""},
		{"list signed by another hub", []string{"--trust", f.jwsFile, "--hub-key", base64.StdEncoding.EncodeToString(otherHub), f.code}, 2, ""},
		{"bad hub key", []string{"--trust", f.jwsFile, "--hub-key", "abc", f.code}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exit, verdict, stderr := runVerifyCmd(t, tt.args...)
			if exit != tt.exit {
				t.Fatalf("exit %d, want %d; stderr: %s", exit, tt.exit, stderr)
			}
			switch tt.exit {
			case 0:
				if verdict["valid"] != true || verdict["colour"] != "red" || verdict["region"] != "CN-330100" {
					t.Errorf("verdict = %v", verdict)
				}
			case 1:
				if verdict["valid"] != false || verdict["error"] == nil {
					t.Errorf("verdict = %v, want invalid with an error", verdict)
				}
				if tt.wantError != "" && verdict["error"] != tt.wantError {
					t.Errorf("error = %v, want %s", verdict["error"], tt.wantError)
				}
			case 2:
				if verdict != nil || stderr == "" {
					t.Errorf("usage error printed verdict %v, stderr %q", verdict, stderr)
				}
			}
		})
	}
}

func TestVerifyCommandStdinEnvAndImage(t *testing.T) {
	f := newVerifyFixture(t)
	t.Setenv("HEALTHCODE_TRUST", f.jwsFile)
	t.Setenv("HEALTHCODE_HUB_KEY", base64.StdEncoding.EncodeToString(f.hubPub))
	at := "--at=" + verifyIAT.Format(time.RFC3339)

	verifyStdin = strings.NewReader(f.code + "\n")
	defer func() { verifyStdin = os.Stdin }()
	if exit, v, stderr := runVerifyCmd(t, at, "-"); exit != 0 || v["valid"] != true {
		t.Errorf("stdin: exit %d, verdict %v, stderr %s", exit, v, stderr)
	}

	png, err := qr.PNG(f.code, 4)
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(f.dir, "code.png")
	os.WriteFile(img, png, 0o600)
	if exit, v, stderr := runVerifyCmd(t, at, "--image", img); exit != 0 || v["valid"] != true {
		t.Errorf("image: exit %d, verdict %v, stderr %s", exit, v, stderr)
	}
	if exit, _, _ := runVerifyCmd(t, at, "--image", img, f.code); exit != 2 {
		t.Errorf("--image with a code: exit %d, want 2", exit)
	}
}

func TestTrustListWarning(t *testing.T) {
	hubPub, _, _ := ed25519.GenerateKey(nil)
	plain, jws := []byte(" {\"version\":1}\n"), []byte("eyJhbGciOiJFZERTQSJ9.e30.c2ln\n")
	for _, tc := range []struct {
		name, src string
		data      []byte
		key       ed25519.PublicKey
		says      string // "": no warning
	}{
		{"a hub's list, checked", "https://hub.example/hub/v1/trust", jws, hubPub, ""},
		{"a hub's list, unchecked", "https://hub.example/hub/v1/trust", jws, nil, "NOT checked"},
		{"a hub's list from a file, unchecked", "trust.jws", jws, nil, "--hub-key"},
		{"a hub's list over http, unchecked", "http://hub.example/hub/v1/trust", jws, nil, "NOT checked"},
		{"a node's list from a file", "trust.json", plain, nil, ""},
		{"a node's list over https", "https://node.example/api/v1/trust", plain, nil, ""},
		{"a node's list over http from this machine", "http://localhost:8080/api/v1/trust", plain, nil, ""},
		{"a node's list over http from 127.0.0.1", "http://127.0.0.1:8080/api/v1/trust", plain, nil, ""},
		{"a node's list over http from ::1", "http://[::1]:8080/api/v1/trust", plain, nil, ""},
		{"a node's list over http from afar", "http://node.example/api/v1/trust", plain, nil, "plain http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := trustListWarning(tc.src, tc.data, tc.key)
			if tc.says == "" && got != "" || !strings.Contains(got, tc.says) {
				t.Errorf("warning %q, want one saying %q", got, tc.says)
			}
		})
	}
}

// A hub's list read without --hub-key is taken unchecked, a forged one
// too, and stderr says so, as a file or over HTTP; with the key the
// forged one is refused. A node's plain list is read as before, unwarned
// from this machine.
func TestVerifyWarnsOfUncheckedTrustList(t *testing.T) {
	t.Setenv("HEALTHCODE_TRUST", "")
	t.Setenv("HEALTHCODE_HUB_KEY", "")
	f := newVerifyFixture(t)
	at := "--at=" + verifyIAT.Add(time.Minute).Format(time.RFC3339)
	hubKey := "--hub-key=" + base64.StdEncoding.EncodeToString(f.hubPub)
	jws, _ := os.ReadFile(f.jwsFile)
	plain, _ := os.ReadFile(f.plainFile)
	// The same list, its signature broken: the last part is another's.
	forged := append(bytes.TrimSpace(jws[:bytes.LastIndexByte(jws, '.')+1]), []byte(base64.RawURLEncoding.EncodeToString(make([]byte, 64)))...)
	forgedFile := filepath.Join(f.dir, "forged.jws")
	os.WriteFile(forgedFile, forged, 0o600)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hub/v1/trust":
			w.Write(forged)
		case "/api/v1/trust":
			w.Write(plain)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)

	const unchecked = "warning: the hub's signature on the trust list"
	for _, tc := range []struct {
		name string
		args []string
		exit int
		says string // in stderr
		warn bool
	}{
		{"a signed list, checked", []string{"--trust", f.jwsFile, hubKey}, 0, "", false},
		{"a signed list, unchecked", []string{"--trust", f.jwsFile}, 0, "--hub-key", true},
		{"a forged list, unchecked", []string{"--trust", forgedFile}, 0, "NOT checked", true},
		{"a forged list, checked", []string{"--trust", forgedFile, hubKey}, 2, "signature does not verify under the hub key", false},
		{"a forged list over http, unchecked", []string{"--trust", srv.URL + "/hub/v1/trust"}, 0, "NOT checked", true},
		{"a forged list over http, checked", []string{"--trust", srv.URL + "/hub/v1/trust", hubKey}, 2, "signature does not verify", false},
		{"a node's list", []string{"--trust", f.plainFile}, 0, "", false},
		{"a node's list over http from this machine", []string{"--trust", srv.URL + "/api/v1/trust"}, 0, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exit, verdict, stderr := runVerifyCmd(t, append(tc.args, at, f.code)...)
			if exit != tc.exit || !strings.Contains(stderr, tc.says) || strings.Contains(stderr, unchecked) != tc.warn {
				t.Fatalf("exit %d, stderr %q; want exit %d saying %q, warned %v", exit, stderr, tc.exit, tc.says, tc.warn)
			}
			if exit == 0 && verdict["valid"] != true {
				t.Errorf("verdict %v", verdict)
			}
		})
	}
}
