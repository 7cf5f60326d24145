// Package e2e tests a whole region node through its HTTP API: the real
// services over the store that HEALTHCODE_TEST_DB names, served on a
// loopback listener.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/status"
	"github.com/healthcode/healthcode/storetest"
)

type testNode struct {
	url   string
	staff string // a health-authority token
}

func startNode(t *testing.T) *testNode {
	t.Helper()
	db := storetest.MustOpenDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	keys := node.NewKeyRing(db)
	if err := keys.Ensure(ctx, healthcode.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	policy := status.DefaultPolicy()
	auth := node.NewAuthService(db, storetest.TestBox(t), node.LogSender{Logger: logger})
	auth.Dev, auth.Logger = true, logger
	citizens := &node.CitizenService{Store: db, Policy: policy, Keys: keys, Region: "CN-330100", Now: time.Now, Logger: logger}
	trust := &node.TrustDocument{Keys: keys, Region: "CN-330100", CodeLifetime: policy.CodeLifetime(), Now: time.Now}
	srv := hchttp.NewServer()
	srv.Auth, srv.Citizens, srv.TrustJSON, srv.Ready, srv.Logger, srv.Dev = auth, citizens, trust.JSON, db.Ping, logger, true

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	staff, _, err := node.CreateStaffToken(ctx, db, node.StaffTokenRequest{Role: healthcode.RoleHealth, Name: "cdc"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &testNode{url: "http://" + ln.Addr().String(), staff: staff}
}

// call makes one request and decodes a JSON answer into a map.
func (n *testNode) call(t *testing.T, method, path, token string, body []byte) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, n.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: bad JSON %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, out
}

// signIn signs phone in through the API and returns the session token.
func (n *testNode) signIn(t *testing.T, phone string) string {
	t.Helper()
	code, out := n.call(t, "POST", "/api/v1/auth/otp", "", []byte(`{"phone":"`+phone+`"}`))
	if code != 200 {
		t.Fatalf("otp: %d %v", code, out)
	}
	otp, _ := out["dev_otp"].(string)
	code, out = n.call(t, "POST", "/api/v1/auth/session", "", []byte(`{"phone":"`+phone+`","otp":"`+otp+`"}`))
	if code != 201 {
		t.Fatalf("session: %d %v", code, out)
	}
	return out["token"].(string)
}

func errorOf(out map[string]any) (code string, fields map[string]any) {
	e, _ := out["error"].(map[string]any)
	code, _ = e["code"].(string)
	fields, _ = e["fields"].(map[string]any)
	return code, fields
}
