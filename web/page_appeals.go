package web

import (
	"net/http"
	"net/url"

	"github.com/healthcode/healthcode"
)

// appealsShown is how many appeals the page lists.
const appealsShown = 20

type appealsData struct {
	Appeals []*healthcode.Appeal
	// Pending is true while one appeal waits: the form is not offered.
	Pending bool
}

func (h *Handler) appealsData(r *request) (appealsData, error) {
	as, err := h.Appeals.Appeals(r.Context(), r.PersonID(), appealsShown)
	if err != nil {
		return appealsData{}, err
	}
	d := appealsData{Appeals: as}
	for _, a := range as {
		if a.State == healthcode.AppealPending {
			d.Pending = true
		}
	}
	return d, nil
}

func (h *Handler) handleAppeals(w http.ResponseWriter, r *request) {
	data, err := h.appealsData(r)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	v := &view{Title: "appeals.title", Form: url.Values{}, Data: data}
	if r.URL.Query().Get("filed") == "1" {
		v.Notice = r.Lang.T("appeals.filed")
	}
	h.render(w, r, http.StatusOK, "appeals.html", v)
}

func (h *Handler) handleAppealSubmit(w http.ResponseWriter, r *request) {
	r.ParseForm()
	if _, err := h.Appeals.File(r.Context(), r.PersonID(), r.PostForm.Get("reason")); err != nil {
		data, derr := h.appealsData(r)
		if derr != nil {
			h.renderErr(w, r, derr)
			return
		}
		h.formError(w, r, &view{Title: "appeals.title", Form: r.PostForm}, err, "reason", "appeals.html", data)
		return
	}
	h.redirect(w, r.Request, "/me/appeals?filed=1")
}
