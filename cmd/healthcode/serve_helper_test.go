package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode/storetest"
)

// servedNode is a node started the way a user starts one, `healthcode serve
// --dev`, over the backend HEALTHCODE_TEST_DB names, on a loopback port.
type servedNode struct {
	base  string   // http://127.0.0.1:PORT
	api   string   // base + "/api/v1"
	store []string // the --data/--db flags, for other commands on the same store
}

func startServe(t *testing.T, extra ...string) *servedNode {
	t.Helper()
	return startServeOn(t, newStoreFlags(t), extra...)
}

// newStoreFlags returns the --data/--db flags of a fresh store of the
// backend under test, for a node and the commands run on its store.
func newStoreFlags(t *testing.T) []string {
	t.Helper()
	store := []string{"--data", filepath.Join(t.TempDir(), "data")}
	if dsn := storetest.MustDSN(t); dsn != "" {
		store = append(store, "--db", dsn)
	}
	return store
}

// startServeOn is startServe over the store the flags name (newStoreFlags).
func startServeOn(t *testing.T, store []string, extra ...string) *servedNode {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--dev", "--addr", addr, "--log-level", "warn"}, store...)
	args = append(args, extra...)
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	serveLog := &lockedWriter{w: &bytes.Buffer{}}
	go func() { exited <- run(ctx, args, io.Discard, serveLog) }()
	t.Cleanup(func() {
		if t.Failed() {
			serveLog.mu.Lock()
			t.Logf("serve log:\n%s", serveLog.w)
			serveLog.mu.Unlock()
		}
		cancel()
		select {
		case code := <-exited:
			if code != 0 {
				t.Errorf("serve exited %d", code)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("serve did not shut down")
		}
	})
	n := &servedNode{base: "http://" + addr, api: "http://" + addr + "/api/v1", store: store}
	waitHealthy(t, n.base, exited)
	return n
}

// token creates a staff token with `healthcode token create` on the node's store.
func (n *servedNode) token(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, exit := runCmd(append(append([]string{"token", "create"}, args...), n.store...)...)
	if exit != 0 {
		t.Fatalf("token create %v: exit %d, %s", args, exit, errOut)
	}
	return strings.TrimSpace(out)
}

// signIn signs phone in with dev_otp and returns the session token.
func (n *servedNode) signIn(t *testing.T, phone string) string {
	t.Helper()
	var otp struct {
		DevOTP string `json:"dev_otp"`
	}
	call(t, "POST", n.api+"/auth/otp", "", `{"phone":"`+phone+`"}`, 200, &otp)
	var sess struct{ Token string }
	call(t, "POST", n.api+"/auth/session", "", `{"phone":"`+phone+`","otp":"`+otp.DevOTP+`"}`, 201, &sess)
	return sess.Token
}

// request makes one request and decodes a JSON object answer, whatever the status.
func request(t *testing.T, method, url, token, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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
			t.Fatalf("%s %s: bad JSON %q: %v", method, url, raw, err)
		}
	}
	return resp.StatusCode, out
}

func errorOf(out map[string]any) (code string, fields map[string]any) {
	e, _ := out["error"].(map[string]any)
	code, _ = e["code"].(string)
	fields, _ = e["fields"].(map[string]any)
	return code, fields
}
