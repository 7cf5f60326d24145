package web

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// placeRows is how many places the declaration form offers (empty rows
// are ignored); the service takes up to 50 through the API.
const placeRows = 3

type declareData struct {
	Symptoms []healthcode.Symptom
	Contacts []string
	Rows     []int
	Today    string
	// Last is the latest declaration, shown above the form.
	Last *healthcode.Declaration
}

func (h *Handler) declareData(r *request) (declareData, error) {
	d := declareData{Symptoms: healthcode.Symptoms, Contacts: []string{healthcode.ContactNo, healthcode.ContactYes, healthcode.ContactUnsure},
		Today: h.Now().In(zone).Format(time.DateOnly)}
	for i := range placeRows {
		d.Rows = append(d.Rows, i)
	}
	ds, err := h.Citizens.Declarations(r.Context(), r.PersonID(), 1)
	if err != nil {
		return d, err
	}
	if len(ds) > 0 {
		d.Last = ds[0]
	}
	return d, nil
}

func (h *Handler) handleDeclare(w http.ResponseWriter, r *request) {
	data, err := h.declareData(r)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "declare.html", &view{Title: "declare.title", Form: url.Values{"case_contact": {"no"}}, Data: data})
}

func (h *Handler) handleDeclareSubmit(w http.ResponseWriter, r *request) {
	r.ParseForm()
	f := r.PostForm
	v := &view{Title: "declare.title", Form: f}
	data, err := h.declareData(r)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	d, rowOf, fe := declarationOf(f)
	// What the form cannot read is refused here, the rest by the service,
	// and both at once: a form the page refused is still checked by the
	// service (CheckDeclaration, which stores nothing) for the rest.
	if len(fe) > 0 {
		err = h.Citizens.CheckDeclaration(d)
	} else if _, _, err = h.Citizens.Declare(r.Context(), r.PersonID(), d); err == nil {
		h.redirect(w, r.Request, "/me/code?declared=1")
		return
	}
	fields, ok := h.fieldErrors(r, err)
	if err != nil && !ok && healthcode.ErrorCode(err) != healthcode.EINVALID {
		// Not about the form (internal, rate limit …): as such.
		h.formError(w, r, v, err, "", "declare.html", data)
		return
	}
	v.Errors = map[string]string{}
	for k, msg := range fields {
		// The service names places by their index among those declared;
		// the form by its row.
		var i int
		var rest string
		if n, _ := fmt.Sscanf(k, "places[%d].%s", &i, &rest); n == 2 && i < len(rowOf) {
			k = fmt.Sprintf("places[%d].%s", rowOf[i], rest)
		}
		v.Errors[k] = msg
	}
	// The page's own reasons stand before the service's for the same field
	// (a date it could not read the service calls missing).
	if own, ok := h.fieldErrors(r, fe.Err()); ok {
		maps.Copy(v.Errors, own)
	}
	if len(v.Errors) == 0 {
		h.formError(w, r, v, err, "", "declare.html", data)
		return
	}
	v.Data = data
	h.render(w, r, http.StatusBadRequest, "declare.html", v)
}

// declarationOf reads the form; rowOf maps each declared place to its
// form row. Only what the form itself can tell (a number, a date) is
// checked here: the service checks the meaning.
func declarationOf(f url.Values) (d *healthcode.Declaration, rowOf []int, fe healthcode.FieldErrors) {
	d = &healthcode.Declaration{
		CaseContact:   f.Get("case_contact"),
		FeverMedicine: f.Get("fever_medicine") == "1",
		ReturnToWork:  f.Get("return_to_work"),
	}
	if t := strings.TrimSpace(f.Get("temperature")); t != "" {
		v, err := strconv.ParseFloat(strings.ReplaceAll(t, ",", "."), 64)
		if err != nil {
			fe.Add("temperature", "must be a number in °C, e.g. 36.6")
		} else {
			d.Temperature = &v
		}
	}
	for _, s := range f["symptoms"] {
		d.Symptoms = append(d.Symptoms, healthcode.Symptom(s))
	}
	for i := range placeRows {
		p := fmt.Sprintf("places[%d].", i)
		div, from, to := strings.TrimSpace(f.Get(p+"division")), f.Get(p+"from"), f.Get(p+"to")
		if div == "" && from == "" && to == "" {
			continue
		}
		st := healthcode.Stay{Division: div}
		if from != "" {
			t, err := time.ParseInLocation(time.DateOnly, from, zone)
			if err != nil {
				fe.Add(p+"from", "must be a date YYYY-MM-DD")
			}
			st.From = t
		}
		if to != "" {
			t, err := time.ParseInLocation(time.DateOnly, to, zone)
			if err != nil {
				fe.Add(p+"to", "must be a date YYYY-MM-DD")
			}
			st.To = t.AddDate(0, 0, 1) // the whole day
		}
		d.Places = append(d.Places, st)
		rowOf = append(rowOf, i)
	}
	return d, rowOf, fe
}
