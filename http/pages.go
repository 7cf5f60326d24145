package http

import (
	"net/http"
	"time"
)

// SessionCookie names the cookie that carries a citizen's session token,
// for the web pages (package web) mounted as Server.Pages.
const SessionCookie = sessionCookie

// SessionToken returns the session token of r's cookie, "" when none.
func (s *Server) SessionToken(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// SetSessionCookie sets the session cookie as the API's sign-in does:
// HTTP-only, SameSite=Lax, Secure behind HTTPS (SecureCookies).
func (s *Server) SetSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	s.setSessionCookie(w, token, expires)
}

// ClearSessionCookie removes the session cookie.
func (s *Server) ClearSessionCookie(w http.ResponseWriter) { s.clearSessionCookie(w) }

// withPages puts the web pages beside the API: /api/…, /metrics and
// /healthz go to api exactly as before (a wrong method still answers 405
// in JSON), every other path to s.Pages. Both muxes set r.Pattern on the
// same request, so the log and the metrics name the page's own pattern.
func (s *Server) withPages(api *http.ServeMux) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/metrics", api)
	mux.Handle("/healthz", api)
	mux.Handle("/", s.Pages)
	return mux
}

// ClientAddr returns r's client address as the API sees it (the first
// X-Forwarded-For entry with TrustProxy), for the services' rate limits.
func (s *Server) ClientAddr(r *http.Request) string { return s.clientAddr(r) }
