package web

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

// recordsData is "my records": what the node holds that makes the status
// (latest test, doses, the reasons and since when), the person's own
// records (tests, doses, cases, contacts, quarantines, travel, purchases)
// and the declarations.
type recordsData struct {
	// Missing is what the citizen must do before a code is issued, as on
	// "my code": "profile" or "declaration"; "" when there is a code. The
	// status's colour is then not shown, there being no code of it.
	Missing      string
	Status       *healthcode.Status
	Reasons      []reasonView
	Declarations []*healthcode.Declaration
	// Records are the person's own records, newest first.
	Records *healthcode.OwnRecords
}

// recordsShown is how many declarations the page lists.
const recordsShown = 20

func (h *Handler) handleRecords(w http.ResponseWriter, r *request) {
	st, err := h.Citizens.Status(r.Context(), r.PersonID())
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	ds, err := h.Citizens.Declarations(r.Context(), r.PersonID(), recordsShown)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	rec, err := h.Citizens.Records(r.Context(), r.PersonID())
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	data := recordsData{Status: st, Reasons: reasonViews(r, st), Declarations: ds, Records: rec}
	// As CitizenService.Code: no code without a profile and a declaration.
	if _, err := h.Citizens.Profile(r.Context(), r.PersonID()); healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		data.Missing = "profile"
	} else if err != nil {
		h.renderErr(w, r, err)
		return
	} else if !st.Declared {
		data.Missing = "declaration"
	}
	h.render(w, r, http.StatusOK, "records.html", &view{Title: "records.title", Data: data})
}
