package http

import (
	"net/http"
	"time"
)

// sessionCookie names the cookie that carries a citizen's session token for
// the web UI; API clients send the same token as a bearer token.
const sessionCookie = "hc_session"

func (s *Server) setSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     s.cookiePath(),
		Expires:  expires,
		HttpOnly: true,
		Secure:   s.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    "",
		Path:     s.cookiePath(),
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

// cookiePath is the session cookie's Path: CookiePath, "/" when unset.
func (s *Server) cookiePath() string {
	if s.CookiePath != "" {
		return s.CookiePath
	}
	return "/"
}
