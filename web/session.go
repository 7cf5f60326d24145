package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/healthcode/healthcode"
)

// request is what a page handler gets: the HTTP request, the caller from
// the session cookie (nil when signed out) and the page's language.
type request struct {
	*http.Request
	Caller *healthcode.Caller
	Lang   *catalog
}

// PersonID is the signed-in citizen's person id.
func (r *request) PersonID() int64 { return r.Caller.PersonID }

// csp lets a page load its own assets and nothing else; the code's QR is
// an inline data: PNG. No inline script or style anywhere.
var csp = []string{"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}

var (
	noStore  = []string{"no-store"}
	nosniff  = []string{"nosniff"}
	sameOrig = []string{"same-origin"}
	denyFr   = []string{"DENY"}
)

// wrap runs a page: security headers, the language, the CSRF check of
// every unsafe method (forms post only to their own origin: the browser's
// Sec-Fetch-Site or Origin must say so, and the session cookie is
// SameSite=Lax besides), the caller from the session cookie, and the
// page's roles — a signed-out visitor of a page that needs a role goes to
// the sign-in page and comes back after.
func (h *Handler) wrap(p page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Content-Security-Policy"] = csp
		hd["Cache-Control"] = noStore
		hd["X-Content-Type-Options"] = nosniff
		hd["Referrer-Policy"] = sameOrig
		hd["X-Frame-Options"] = denyFr
		rq := &request{Request: r, Lang: catalogs[language(r)]}
		if err := h.csrf.Check(r); err != nil {
			h.renderError(w, rq, http.StatusForbidden, "error.csrf")
			return
		}
		if token := h.Sessions.SessionToken(r); token != "" {
			c, err := h.Auth.Authenticate(r.Context(), token)
			switch {
			case err == nil:
				rq.Caller = c
			case healthcode.ErrorCode(err) == healthcode.EUNAUTHORIZED || healthcode.ErrorCode(err) == healthcode.EINVALID:
				// An expired session: forget the cookie, carry on signed out.
				h.Sessions.ClearSessionCookie(w)
			default:
				h.renderErr(w, rq, err)
				return
			}
		}
		if len(p.roles) > 0 {
			if rq.Caller == nil {
				next := r.URL.Path
				if r.Method != http.MethodGet {
					next = p.navPath
				}
				signin := "/signin"
				if !slices.Contains(p.roles, healthcode.RoleCitizen) {
					signin = "/signin/staff" // staff pages: staff sign in with a token
				}
				h.redirect(w, r, signin+"?next="+url.QueryEscape(next))
				return
			}
			if !rq.Caller.Is(p.roles...) {
				h.renderError(w, rq, http.StatusForbidden, "error.forbidden")
				return
			}
		}
		p.handle(h, w, rq)
	})
}

// redirect sends the browser to path, a path of the pages ("/me/code"),
// under Base: handlers, forms and next= values speak paths without it.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, h.Base+path, http.StatusSeeOther)
}

// cookiePath is the Path of the cookies the pages set: Base's, so the
// cookies of a hosted region's pages are sent to its pages and API only.
func (h *Handler) cookiePath() string { return h.Base + "/" }

// localPath returns next when it is a path on this site, else fallback:
// a redirect after sign-in or a language switch never leaves the node.
func localPath(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return fallback
	}
	return next
}
