package http

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCode measures GET /api/v1/me/code through the whole handler
// (auth, service mock, JSON, log and metrics), the node's hot path. "info"
// is the production log level (successful requests are not logged);
// "debug" logs every request.
func BenchmarkCode(b *testing.B) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		b.Run(level.String(), func(b *testing.B) {
			ts := newTestServer(b)
			ts.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: level}))
			h := ts.Handler()
			r := httptest.NewRequest("GET", "/api/v1/me/code", nil)
			r.Header.Set("Authorization", "Bearer "+citizenToken)
			w := &discardWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.header)
				w.code = 0
				h.ServeHTTP(w, r)
			}
			if w.code != http.StatusOK {
				b.Fatalf("status %d", w.code)
			}
		})
	}
}

// discardWriter is a ResponseWriter that costs nothing, so the benchmark
// counts the handler's allocations only.
type discardWriter struct {
	header http.Header
	code   int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkCodeLoopback serves GET /api/v1/me/code on 127.0.0.1 and calls
// it over keep-alive connections from parallel clients: requests per second
// on this machine, client included.
func BenchmarkCodeLoopback(b *testing.B) {
	ts := newTestServer(b)
	ts.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	url := "http://" + ln.Addr().String() + "/api/v1/me/code"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+citizenToken)
		for pb.Next() {
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
