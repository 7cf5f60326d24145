package web

import (
	"net/http"
	"net/url"

	"github.com/healthcode/healthcode"
)

type personsData struct {
	IDTypes []healthcode.IDType
	Person  *healthcode.PersonSummary
	Reasons []reasonView
}

// handlePersons shows the look-up form: a document and the purpose of
// the read, which goes into the person's access log.
func (h *Handler) handlePersons(w http.ResponseWriter, r *request) {
	h.render(w, r, http.StatusOK, "persons.html", &view{Title: "health.persons_title",
		Form: url.Values{"id_type": {string(healthcode.IDResident)}}, Data: personsData{IDTypes: healthcode.IDTypes}})
}

// handlePersonLookup looks the person up through the PersonService: no
// purpose, no read; a read is recorded in the access log before it is
// shown. The document number is posted, never put in a URL.
func (h *Handler) handlePersonLookup(w http.ResponseWriter, r *request) {
	r.ParseForm()
	form := url.Values{"id_type": {r.PostForm.Get("id_type")}, "id_number": {r.PostForm.Get("id_number")},
		"purpose": {r.PostForm.Get("purpose")}}
	v := &view{Title: "health.persons_title", Form: form}
	data := personsData{IDTypes: healthcode.IDTypes}
	p, err := h.Persons.Lookup(r.Context(), r.Caller, healthcode.IDType(form.Get("id_type")), form.Get("id_number"), form.Get("purpose"))
	if err != nil {
		h.formError(w, r, v, err, "id_number", "persons.html", data)
		return
	}
	data.Person = p
	if p.Status != nil {
		data.Reasons = reasonViews(r, p.Status)
	}
	v.Data = data
	h.render(w, r, http.StatusOK, "persons.html", v)
}
