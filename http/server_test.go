package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/mock"
)

// Tokens the test AuthService knows.
const (
	citizenToken = "citizen-token"
	staffToken   = "staff-token"
	adminToken   = "admin-token"
	personID     = 42
)

var testTime = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// testServer is a Server over mocks, with the log kept for assertions.
type testServer struct {
	*Server
	auth     *mock.AuthService
	citizens *mock.CitizenService
	log      *bytes.Buffer
}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	auth := &mock.AuthService{
		AuthenticateFn: func(ctx context.Context, token string) (*healthcode.Caller, error) {
			switch token {
			case citizenToken:
				return &healthcode.Caller{Role: healthcode.RoleCitizen, PersonID: personID}, nil
			case staffToken:
				return &healthcode.Caller{Role: healthcode.RoleHealth, TokenID: 7, Name: "staff"}, nil
			case adminToken:
				return &healthcode.Caller{Role: healthcode.RoleAdmin, TokenID: 1, Name: "ops"}, nil
			}
			return nil, healthcode.Errorf(healthcode.EUNAUTHORIZED, "unknown token")
		},
	}
	citizens := &mock.CitizenService{
		CodeFn: func(ctx context.Context, id int64) (*healthcode.IssuedCode, error) {
			return &healthcode.IssuedCode{Code: "CNHC1:ABC", Colour: healthcode.Green,
				IssuedAt: testTime, ExpiresAt: testTime.Add(5 * time.Minute)}, nil
		},
	}
	var log bytes.Buffer
	s := NewServer()
	s.Auth, s.Citizens = auth, citizens
	s.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return &testServer{Server: s, auth: auth, citizens: citizens, log: &log}
}

// do sends one request through Handler. Header pairs follow the body.
func (ts *testServer) do(method, path, body string, header ...string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	ts.Handler().ServeHTTP(w, r)
	return w
}

var (
	asCitizen = []string{"Authorization", "Bearer " + citizenToken}
	asAdmin   = []string{"Authorization", "Bearer " + adminToken}
)

// errorOf decodes an error response.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) errorJSON {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || b.Error.Code == "" {
		t.Fatalf("not an error body (%v): %s", err, w.Body)
	}
	return b.Error
}

// decodeBody decodes a JSON response into a generic map.
func decodeBody(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, w.Body)
	}
	return m
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
}
