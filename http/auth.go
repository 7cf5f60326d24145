package http

import (
	"net/http"
	"strings"

	"github.com/healthcode/healthcode"
)

// requestToken returns the token of r: the bearer token, else the session
// cookie. fromCookie tells which, since only cookies need the CSRF check.
func requestToken(r *http.Request) (token string, fromCookie bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t), false
		}
		return "", false
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

// requireRole wraps a handler that only callers of one of roles may reach.
// It authenticates the request, puts the *healthcode.Caller in the context,
// refuses cross-origin unsafe requests that rely on the cookie, and marks
// the response personal (no-store).
func (s *Server) requireRole(roles ...healthcode.Role) func(http.HandlerFunc) http.Handler {
	return func(next http.HandlerFunc) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Cache-Control"] = noStore
			token, fromCookie := requestToken(r)
			if token == "" {
				s.writeError(w, r, healthcode.Errorf(healthcode.EUNAUTHORIZED, "sign in first: send a bearer token or the session cookie"))
				return
			}
			// A browser sends the cookie on cross-site requests too; a
			// bearer token it never sends by itself.
			if fromCookie {
				if err := s.csrf.Check(r); err != nil {
					s.writeError(w, r, healthcode.Errorf(healthcode.EFORBIDDEN, "cross-origin request refused"))
					return
				}
			}
			caller, err := s.Auth.Authenticate(r.Context(), token)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if caller == nil {
				s.writeError(w, r, healthcode.Errorf(healthcode.EUNAUTHORIZED, "unknown token"))
				return
			}
			noteCaller(w, caller)
			if !caller.Is(roles...) {
				s.writeError(w, r, healthcode.Errorf(healthcode.EFORBIDDEN, "this route is not for the %s role", caller.Role))
				return
			}
			next(w, r.WithContext(healthcode.NewContextWithCaller(r.Context(), caller)))
		})
	}
}

// caller returns the authenticated caller put in r's context by requireRole.
func caller(r *http.Request) *healthcode.Caller {
	return healthcode.CallerFromContext(r.Context())
}
