package web

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

// recordsData is "my records": what the node holds that makes the status
// (latest test, doses, the reasons and since when) and the declarations.
type recordsData struct {
	Status       *healthcode.Status
	Reasons      []reasonView
	Declarations []*healthcode.Declaration
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
	h.render(w, r, http.StatusOK, "records.html", &view{Title: "records.title",
		Data: recordsData{Status: st, Reasons: reasonViews(r, st), Declarations: ds}})
}
