package http

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
)

func TestUnknownRouteAndMethodAnswerJSON(t *testing.T) {
	ts := newTestServer(t)
	w := ts.do("GET", "/api/v1/nothing", "")
	wantStatus(t, w, http.StatusNotFound)
	if e := errorOf(t, w); e.Code != healthcode.ENOTFOUND {
		t.Errorf("code %q", e.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}

	w = ts.do("PATCH", "/api/v1/me/code", "", asCitizen...)
	wantStatus(t, w, http.StatusMethodNotAllowed)
	if e := errorOf(t, w); e.Code != "method_not_allowed" {
		t.Errorf("code %q", e.Code)
	}
	if allow := w.Header().Get("Allow"); !strings.Contains(allow, "GET") {
		t.Errorf("Allow %q", allow)
	}
}

func TestPanicIsRecovered(t *testing.T) {
	ts := newTestServer(t)
	ts.citizens.StatusFn = func(ctx context.Context, id int64) (*healthcode.Status, error) { panic("boom") }
	w := ts.do("GET", "/api/v1/me/status", "", asCitizen...)
	wantStatus(t, w, http.StatusInternalServerError)
	if e := errorOf(t, w); e.Message != "internal error" {
		t.Errorf("message %q", e.Message)
	}
	if !strings.Contains(ts.log.String(), "boom") {
		t.Errorf("panic not logged: %s", ts.log)
	}
	// The server goes on serving.
	wantStatus(t, ts.do("GET", "/api/v1/me/code", "", asCitizen...), http.StatusOK)
}

func TestRequestLogHasNoSecrets(t *testing.T) {
	ts := newTestServer(t)
	ts.auth.CreateSessionFn = func(ctx context.Context, phone, otp, addr string) (string, *healthcode.Session, error) {
		return "", nil, healthcode.Errorf(healthcode.EUNAUTHORIZED, "wrong password")
	}
	ts.do("POST", "/api/v1/auth/session", `{"phone":"13912345678","otp":"654321"}`)
	ts.do("GET", "/api/v1/me/code", "", asCitizen...)
	log := ts.log.String()
	for _, secret := range []string{"13912345678", "654321", citizenToken} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q: %s", secret, log)
		}
	}
	if !strings.Contains(log, `route="GET /api/v1/me/code"`) || !strings.Contains(log, "status=200") {
		t.Errorf("request not logged with route and status: %s", log)
	}
}

func TestMetricsAfterRequests(t *testing.T) {
	ts := newTestServer(t)
	ts.do("GET", "/api/v1/me/code", "", asCitizen...)
	ts.do("GET", "/api/v1/me/code", "")
	ts.do("GET", "/no/such/path/13800138000", "")
	wantStatus(t, ts.do("GET", "/metrics", ""), http.StatusUnauthorized)
	wantStatus(t, ts.do("GET", "/metrics", "", asCitizen...), http.StatusForbidden)
	w := ts.do("GET", "/metrics", "", asAdmin...)
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	for _, want := range []string{
		`healthcode_http_requests_total{code="200",method="GET",route="GET /api/v1/me/code"} 1`,
		`healthcode_http_requests_total{code="401",method="GET",route="GET /api/v1/me/code"} 1`,
		`healthcode_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`healthcode_http_request_duration_seconds_count{route="GET /api/v1/me/code"} 2`,
		`healthcode_http_request_duration_seconds_bucket{route="GET /api/v1/me/code",le="+Inf"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "13800138000") {
		t.Errorf("raw path used as a label")
	}
}

func TestHealthz(t *testing.T) {
	ts := newTestServer(t)
	w := ts.do("GET", "/healthz", "")
	wantStatus(t, w, http.StatusOK)
	if m := decodeBody(t, w); m["status"] != "ok" {
		t.Errorf("body %v", m)
	}
	ts.Ready = func(ctx context.Context) error { return errors.New("database is gone") }
	w = ts.do("GET", "/healthz", "")
	wantStatus(t, w, http.StatusServiceUnavailable)
	if strings.Contains(w.Body.String(), "database") {
		t.Errorf("cause leaked: %s", w.Body)
	}
}

func TestTrust(t *testing.T) {
	ts := newTestServer(t)
	doc := `{"version": 1, "issuer": "CN", "regions": []}`
	ts.TrustJSON = func(ctx context.Context) ([]byte, error) { return []byte(doc), nil }
	w := ts.do("GET", "/api/v1/trust", "")
	wantStatus(t, w, http.StatusOK)
	if w.Body.String() != doc || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("served %q as %q", w.Body, w.Header().Get("Content-Type"))
	}
}
