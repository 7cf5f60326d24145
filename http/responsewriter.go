package http

import (
	"net/http"
	"sync"

	"github.com/healthcode/healthcode"
)

// responseWriter records the status and size of a response for the log and
// the metrics. It also swallows the plain-text 404 and 405 answers of the
// ServeMux when no route matched, so that serveRoot can answer them in JSON.
type responseWriter struct {
	http.ResponseWriter
	req         *http.Request
	status      int
	bytes       int64
	intercepted bool
	// For the log line of a refusal: the error's code, and who asked
	// (set by writeError and requireRole).
	errCode string
	caller  *healthcode.Caller
}

// noteError and noteCaller record, on the writer serveRoot made, what the
// log line of the request says of a refusal.
func noteError(w http.ResponseWriter, code string) {
	if rw, ok := w.(*responseWriter); ok {
		rw.errCode = code
	}
}

func noteCaller(w http.ResponseWriter, c *healthcode.Caller) {
	if rw, ok := w.(*responseWriter); ok {
		rw.caller = c
	}
}

// Writers are pooled: the hot path (GET /api/v1/me/code) should not pay an
// allocation for bookkeeping.
var writerPool = sync.Pool{New: func() any { return new(responseWriter) }}

func newResponseWriter(w http.ResponseWriter, r *http.Request) *responseWriter {
	rw := writerPool.Get().(*responseWriter)
	*rw = responseWriter{ResponseWriter: w, req: r}
	return rw
}

func (rw *responseWriter) release() {
	*rw = responseWriter{}
	writerPool.Put(rw)
}

func (rw *responseWriter) WriteHeader(code int) {
	if rw.status != 0 {
		return
	}
	rw.status = code
	// An empty pattern means the mux found no route: its own answer is
	// replaced by a JSON error after it returns.
	if rw.req.Pattern == "" && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
		rw.intercepted = true
		return
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *responseWriter) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.intercepted {
		return len(b), nil
	}
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.ResponseWriter }
