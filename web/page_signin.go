package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/healthcode/healthcode"
)

// signInData is the sign-in page's own: the step (phone, then password),
// where to go after, and in dev mode the password the node made.
type signInData struct {
	Step   string // "phone" or "otp"
	Next   string
	DevOTP string
}

// handleHome sends a citizen to their code, staff to the first page of
// their role, anyone else to sign in.
func (h *Handler) handleHome(w http.ResponseWriter, r *request) {
	if r.Caller.Is(healthcode.RoleCitizen) {
		h.redirect(w, r.Request, "/me/code")
		return
	}
	if r.Caller != nil {
		if landing := h.landing(r.Caller); landing != "" {
			h.redirect(w, r.Request, landing)
			return
		}
	}
	h.redirect(w, r.Request, "/signin")
}

func (h *Handler) handleSignIn(w http.ResponseWriter, r *request) {
	next := localPath(r.URL.Query().Get("next"), "/me/code")
	if r.Caller.Is(healthcode.RoleCitizen) {
		h.redirect(w, r.Request, next)
		return
	}
	h.render(w, r, http.StatusOK, "signin.html", &view{Title: "signin.title", Form: url.Values{},
		Data: signInData{Step: "phone", Next: next}})
}

// handleSignInOTP sends the one-time password and asks for it.
func (h *Handler) handleSignInOTP(w http.ResponseWriter, r *request) {
	r.ParseForm()
	v := &view{Title: "signin.title", Form: r.PostForm}
	data := signInData{Step: "phone", Next: localPath(r.PostForm.Get("next"), "/me/code")}
	sent, err := h.Auth.RequestOTP(r.Context(), r.PostForm.Get("phone"), h.Sessions.ClientAddr(r.Request))
	if err != nil {
		h.formError(w, r, v, err, "phone", "signin.html", &data)
		return
	}
	data.Step = "otp"
	if h.Dev {
		data.DevOTP = sent.DevOTP
	}
	v.Notice = r.Lang.T("signin.sent")
	v.Data = data
	h.render(w, r, http.StatusOK, "signin.html", v)
}

// handleSignInSubmit checks the password and sets the session cookie.
func (h *Handler) handleSignInSubmit(w http.ResponseWriter, r *request) {
	r.ParseForm()
	v := &view{Title: "signin.title", Form: r.PostForm}
	data := signInData{Step: "otp", Next: localPath(r.PostForm.Get("next"), "/me/code")}
	token, sess, err := h.Auth.CreateSession(r.Context(), r.PostForm.Get("phone"), r.PostForm.Get("otp"), h.Sessions.ClientAddr(r.Request))
	if err != nil {
		if healthcode.ErrorCode(err) == healthcode.EUNAUTHORIZED {
			v.Errors = map[string]string{"otp": r.Lang.T("signin.wrong_otp")}
			v.Data = data
			h.render(w, r, http.StatusUnauthorized, "signin.html", v)
			return
		}
		h.formError(w, r, v, err, "otp", "signin.html", &data)
		return
	}
	h.Sessions.SetSessionCookie(w, token, sess.ExpiresAt)
	h.redirect(w, r.Request, data.Next)
}

// handleSignOut ends the session: a citizen's is deleted; a staff
// token stays valid (it is the device's or the person's credential) and
// only leaves this browser.
func (h *Handler) handleSignOut(w http.ResponseWriter, r *request) {
	if token := h.Sessions.SessionToken(r.Request); token != "" && r.Caller.Is(healthcode.RoleCitizen) {
		if err := h.Auth.DeleteSession(r.Context(), token); err != nil {
			h.renderErr(w, r, err)
			return
		}
	}
	h.Sessions.ClearSessionCookie(w)
	if r.Caller != nil && !r.Caller.Is(healthcode.RoleCitizen) {
		h.redirect(w, r.Request, "/signin/staff")
		return
	}
	h.redirect(w, r.Request, "/signin")
}

// handleLang is the language switch: it remembers the choice for a year
// and returns to the page it was clicked on.
func (h *Handler) handleLang(w http.ResponseWriter, r *request) {
	lang := r.PathValue("lang")
	if !slices.Contains(languages, lang) {
		h.handleNotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: h.cookiePath(), MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
	h.redirect(w, r.Request, localPath(r.URL.Query().Get("next"), "/"))
}

func (h *Handler) handleNotFound(w http.ResponseWriter, r *request) {
	h.renderError(w, r, http.StatusNotFound, "error.notfound")
}

// formError shows a form again after a service refused it: the fields'
// messages beside them, anything else on top (for field when the error
// names none but concerns it, e.g. a locked phone).
func (h *Handler) formError(w http.ResponseWriter, r *request, v *view, err error, field, name string, data any) {
	v.Data = data
	status := http.StatusBadRequest
	if fields, ok := h.fieldErrors(r, err); ok {
		v.Errors = fields
	} else {
		v.Error = h.message(r, err)
		switch healthcode.ErrorCode(err) {
		case healthcode.EINTERNAL:
			status = http.StatusInternalServerError
		case healthcode.ERATELIMIT:
			status = http.StatusTooManyRequests
		case healthcode.ELOCKED:
			status = http.StatusLocked
		case healthcode.ECONFLICT:
			status = http.StatusConflict
		case healthcode.ENOTFOUND:
			status = http.StatusNotFound
		}
		if field != "" && status != http.StatusInternalServerError {
			v.Errors = map[string]string{field: v.Error}
			v.Error = ""
		}
	}
	h.render(w, r, status, name, v)
}
