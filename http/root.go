package http

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
)

// serveRoot wraps every request: it recovers panics, answers unmatched
// routes in JSON, and records the log line and the metrics under the route
// pattern (never the raw path, which would explode label cardinality and
// could carry personal data).
func (s *Server) serveRoot(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := newResponseWriter(w, r)
	defer rw.release()
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.Logger.LogAttrs(r.Context(), slog.LevelError, "panic",
				slog.String("method", r.Method), slog.String("route", r.Pattern), slog.Any("panic", v))
			if rw.status == 0 {
				s.writeError(rw, r, healthcode.Errorf(healthcode.EINTERNAL, "internal error"))
			}
			s.finish(rw, r, start)
		}
	}()

	s.mux.ServeHTTP(rw, r)
	if rw.intercepted {
		code, msg := healthcode.ENOTFOUND, "no such route"
		if rw.status == http.StatusMethodNotAllowed {
			code, msg = "method_not_allowed", "method not allowed on this route"
		}
		rw.intercepted = false
		writeJSON(rw.ResponseWriter, rw.status, errorBody{Error: errorJSON{Code: code, Message: msg}})
	}
	s.finish(rw, r, start)
}

// finish logs the request and records its metrics.
func (s *Server) finish(rw *responseWriter, r *http.Request, start time.Time) {
	d := time.Since(start)
	status := rw.status
	if status == 0 {
		status = http.StatusOK
	}
	s.Metrics.observe(r.Pattern, r.Method, status, d)

	// Successful requests log at Debug so that the hot path does not pay for
	// a formatted line per request in production.
	level := slog.LevelDebug
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelInfo
	}
	if !s.Logger.Enabled(r.Context(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("route", r.Pattern),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.Int64("bytes", rw.bytes),
	}
	if status >= 400 {
		attrs = s.refusal(attrs, rw, r, status)
	}
	s.Logger.LogAttrs(r.Context(), level, "request", attrs...)
}

// refusal adds to a refused request's log line what an operator looking
// into it needs: the error's code, who asked (the role, and a staff or
// peer token's id and region; never a citizen's person), and for a refusal
// of credentials or of a role, or a request limited, the client's address.
func (s *Server) refusal(attrs []slog.Attr, rw *responseWriter, r *http.Request, status int) []slog.Attr {
	if rw.errCode != "" {
		attrs = append(attrs, slog.String("code", rw.errCode))
	}
	if c := rw.caller; c != nil {
		attrs = append(attrs, slog.String("role", string(c.Role)))
		if c.TokenID != 0 {
			attrs = append(attrs, slog.Int64("token_id", c.TokenID))
		}
		if c.Region != "" {
			attrs = append(attrs, slog.String("acting_region", c.Region))
		}
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
		attrs = append(attrs, slog.String("client", s.clientAddr(r)))
	}
	return attrs
}
