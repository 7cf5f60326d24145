package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNewUserFlow walks the "done when" as a new user would: a
// node started with `serve --dev`, sign-in with dev_otp, a profile with a
// valid resident ID, a declaration with no symptoms, a green code that
// `healthcode verify --trust URL` accepts, the PNG accepted with --image, a
// changed character refused with its error code, and a fever declaration
// turning the status yellow. It runs on the backend HEALTHCODE_TEST_DB names.
func TestNewUserFlow(t *testing.T) {
	n := startServe(t)
	dir := t.TempDir()
	api := n.api
	tok := n.signIn(t, "13800138000")
	call(t, "PUT", api+"/me/profile", tok, `{"name":"张三丰","id_type":"resident_id","id_number":"11010519491231002X"}`, 200, nil)
	call(t, "POST", api+"/me/declarations", tok, `{"temperature":36.6,"symptoms":[],"case_contact":"no"}`, 201, nil)
	var code struct{ Code, Colour string }
	call(t, "GET", api+"/me/code", tok, "", 200, &code)
	if code.Colour != "green" || !strings.HasPrefix(code.Code, "CNHC1:") {
		t.Fatalf("code = %+v", code)
	}

	v, exit := verifyCLI(t, "--trust", api+"/trust", code.Code)
	if exit != 0 || v["valid"] != true || v["colour"] != "green" || v["region"] != "CN-330100" {
		t.Fatalf("verify: exit %d, %v", exit, v)
	}

	png := filepath.Join(dir, "code.png")
	resp := get(t, api+"/me/code.png", tok)
	if err := os.WriteFile(png, resp, 0o600); err != nil {
		t.Fatal(err)
	}
	if v, exit := verifyCLI(t, "--trust", api+"/trust", "--image", png); exit != 0 || v["valid"] != true {
		t.Fatalf("verify --image: exit %d, %v", exit, v)
	}

	// One changed character: in the payload the zlib checksum catches it;
	// in the prefix it is no health code at all.
	mid := len(code.Code) / 2
	swapped := byte('A')
	if code.Code[mid] == 'A' {
		swapped = 'B'
	}
	for _, tc := range []struct{ text, want string }{
		{code.Code[:mid] + string(swapped) + code.Code[mid+1:], "bad_compression"},
		{"CNHC2" + code.Code[5:], "bad_prefix"},
		{code.Code[:mid] + "a" + code.Code[mid+1:], "bad_base45"},
	} {
		if v, exit := verifyCLI(t, "--trust", api+"/trust", tc.text); exit != 1 || v["error"] != tc.want {
			t.Errorf("changed code: exit %d, %v; want exit 1, %s", exit, v, tc.want)
		}
	}

	call(t, "POST", api+"/me/declarations", tok, `{"temperature":38.4,"symptoms":["fever"],"case_contact":"no"}`, 201, nil)
	var st struct {
		Colour  string
		Reasons []struct{ Code string }
	}
	call(t, "GET", api+"/me/status", tok, "", 200, &st)
	if st.Colour != "yellow" || len(st.Reasons) == 0 || st.Reasons[0].Code != "declared_fever" {
		t.Fatalf("status after fever = %+v", st)
	}
	call(t, "GET", api+"/me/code", tok, "", 200, &code)
	if v, _ := verifyCLI(t, "--trust", api+"/trust", code.Code); v["colour"] != "yellow" {
		t.Fatalf("code after fever verifies as %v", v)
	}
}

func verifyCLI(t *testing.T, args ...string) (map[string]any, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	exit := run(context.Background(), append([]string{"verify"}, args...), &out, &errOut)
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("verify printed %q (stderr %q): %v", out.String(), errOut.String(), err)
	}
	return v, exit
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, base string, exited chan int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		select {
		case code := <-exited:
			t.Fatalf("serve exited %d before it was healthy", code)
		default:
		}
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("serve never became healthy")
}

func call(t *testing.T, method, url, token, body string, want int, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, resp.StatusCode, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, raw)
		}
	}
}

func get(t *testing.T, url, token string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

// lockedWriter lets the server log from its goroutines while the test reads.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
