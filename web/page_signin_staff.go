package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// rememberStaff is how long a staff sign-in lasts when "remember this
// device" is ticked (a checkpoint at a door); otherwise the cookie ends
// with the browser.
const rememberStaff = 30 * 24 * time.Hour

// staffSignInData is the staff sign-in page's own.
type staffSignInData struct {
	Next     string
	Remember bool
}

// handleStaffSignIn shows the form where staff paste the bearer token
// `healthcode token create` (or a venue's device page) gave them.
func (h *Handler) handleStaffSignIn(w http.ResponseWriter, r *request) {
	next := localPath(r.URL.Query().Get("next"), "")
	if r.Caller != nil && r.Caller.Role != healthcode.RoleCitizen {
		if next == "" {
			next = h.landing(r.Caller)
		}
		h.redirect(w, r.Request, next)
		return
	}
	h.render(w, r, http.StatusOK, "signin_staff.html", &view{Title: "signin.staff.title", Form: url.Values{},
		Data: staffSignInData{Next: next}})
}

// handleStaffSignInSubmit checks the token with the AuthService and makes
// it the session cookie the API accepts too: the pages' scripts then call
// the API same-origin with it.
func (h *Handler) handleStaffSignInSubmit(w http.ResponseWriter, r *request) {
	r.ParseForm()
	form := url.Values{"next": r.PostForm["next"], "remember": r.PostForm["remember"]} // never echo the token
	v := &view{Title: "signin.staff.title", Form: form}
	data := staffSignInData{Next: localPath(r.PostForm.Get("next"), ""), Remember: r.PostForm.Get("remember") == "1"}
	v.Data = data
	refuse := func(status int, key string) {
		v.Errors = map[string]string{"token": r.Lang.T(key)}
		h.render(w, r, status, "signin_staff.html", v)
	}
	token := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get("token")), "Bearer "))
	if token == "" {
		refuse(http.StatusBadRequest, "fielderr.required")
		return
	}
	c, err := h.Auth.Authenticate(r.Context(), token)
	switch {
	case healthcode.ErrorCode(err) == healthcode.EUNAUTHORIZED || healthcode.ErrorCode(err) == healthcode.EINVALID:
		refuse(http.StatusUnauthorized, "signin.staff.unknown")
		return
	case err != nil:
		h.formError(w, r, v, err, "", "signin_staff.html", data)
		return
	case c == nil || c.Role == healthcode.RoleCitizen:
		// A citizen's session token: citizens sign in with their phone.
		refuse(http.StatusUnauthorized, "signin.staff.unknown")
		return
	}
	landing := h.landing(c)
	if landing == "" {
		refuse(http.StatusForbidden, "signin.staff.no_pages")
		return
	}
	var expires time.Time
	if data.Remember {
		expires = h.Now().Add(rememberStaff)
	}
	h.Sessions.SetSessionCookie(w, token, expires)
	next := data.Next
	if next == "" || !h.mayOpen(c, next) {
		next = landing
	}
	h.Logger.InfoContext(r.Context(), "staff signed in to the pages", "role", string(c.Role), "token_id", c.TokenID)
	h.redirect(w, r.Request, next)
}

// homes are the pages a role lands on that are not the first of its
// navigation (docs/web.md): health staff on their dashboard, admins on
// the admin page, not on the venues listed before them.
var homes = map[healthcode.Role]string{
	healthcode.RoleHealth: "/health",
	healthcode.RoleAdmin:  "/admin",
}

// landing is the role's home, or else the first page of the caller's
// navigation; "" when their role has none.
func (h *Handler) landing(c *healthcode.Caller) string {
	if home, ok := homes[c.Role]; ok && h.mayOpen(c, home) {
		return home
	}
	for _, p := range h.table {
		if p.nav != "" && c.Is(p.roles...) {
			return p.navPath
		}
	}
	return ""
}

// mayOpen reports whether c may open the page at path (a GET), so that a
// sign-in does not return to a page the role is refused.
func (h *Handler) mayOpen(c *healthcode.Caller, path string) bool {
	req, err := http.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return false
	}
	_, pattern := h.mux.Handler(req)
	for _, p := range h.table {
		if p.pattern == pattern {
			return len(p.roles) == 0 || c.Is(p.roles...)
		}
	}
	return false
}
