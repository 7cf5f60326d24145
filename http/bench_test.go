package http

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCode measures GET /api/v1/me/code through the whole handler
// (auth, service mock, JSON, log and metrics), the node's hot path.
func BenchmarkCode(b *testing.B) {
	ts := newTestServer(b)
	ts.Logger = ts.Logger.With() // keep Debug enabled: the worst case
	h := ts.Handler()
	r := httptest.NewRequest("GET", "/api/v1/me/code", nil)
	r.Header.Set("Authorization", "Bearer "+citizenToken)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
