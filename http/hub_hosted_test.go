package http

import (
	"net/http"
	"testing"
)

// The hub serves a hosted region's citizen and data routes under
// /regions/{id}/, with the prefix taken off, and nothing of a node's
// venues, checkpoints or traces; the paths outside /api/ are its pages,
// but for the region server's own /metrics and /healthz.
func TestHubHostedRoutes(t *testing.T) {
	e := newHubEnv(t)
	e.srv.Hosted = func(id string) http.Handler {
		if id != "CN-650100" {
			return nil
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Path", r.URL.Path)
			w.WriteHeader(http.StatusTeapot)
		})
	}
	tests := []struct {
		method, path string
		status       int
		served       string // the path the region's handler saw
	}{
		{"POST", "/regions/CN-650100/api/v1/auth/otp", http.StatusTeapot, "/api/v1/auth/otp"},
		{"GET", "/regions/CN-650100/api/v1/me/code", http.StatusTeapot, "/api/v1/me/code"},
		{"POST", "/regions/CN-650100/api/v1/records/tests", http.StatusTeapot, "/api/v1/records/tests"},
		{"PUT", "/regions/CN-650100/api/v1/risk-areas", http.StatusTeapot, "/api/v1/risk-areas"},
		{"POST", "/regions/CN-650100/api/v1/scans", http.StatusNotFound, ""},
		{"POST", "/regions/CN-650100/api/v1/venues", http.StatusNotFound, ""},
		{"POST", "/regions/CN-650100/api/v1/traces", http.StatusNotFound, ""},
		{"GET", "/regions/CN-650100/metrics", http.StatusNotFound, ""},
		{"GET", "/regions/CN-650100/healthz", http.StatusNotFound, ""},
		{"GET", "/regions/CN-650100/api", http.StatusNotFound, ""},
		{"GET", "/regions/CN-650100/api/v2/me/code", http.StatusNotFound, ""},
		{"GET", "/regions/CN-650100/", http.StatusTeapot, "/"},
		{"GET", "/regions/CN-650100/signin", http.StatusTeapot, "/signin"},
		{"POST", "/regions/CN-650100/me/declare", http.StatusTeapot, "/me/declare"},
		{"GET", "/regions/CN-650100/static/app.0123abcd.css", http.StatusTeapot, "/static/app.0123abcd.css"},
		{"GET", "/regions/CN-330100/signin", http.StatusNotFound, ""},
		{"GET", "/regions/CN-330100/api/v1/me/code", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		w := e.do(tt.method, tt.path, "")
		if w.Code != tt.status || w.Header().Get("X-Path") != tt.served {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, w.Code, w.Header().Get("X-Path"), tt.status, tt.served)
		}
		if tt.status == http.StatusNotFound && errorCode(t, w) != "not_found" {
			t.Errorf("%s %s: %s", tt.method, tt.path, w.Body)
		}
	}

	e.srv = NewHubServer() // one that hosts none
	e.srv.Auth = nil
	if w := e.do("GET", "/regions/CN-650100/api/v1/me/code", ""); w.Code != http.StatusNotFound {
		t.Errorf("a hub hosting none: %d", w.Code)
	}
}
