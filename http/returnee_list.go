package http

import (
	"net/http"
	"time"
)

type returneeList struct {
	OrgID     string             `json:"org_id"`
	AsOf      time.Time          `json:"as_of"`
	Returnees []returneeResponse `json:"returnees"`
}

// handleReturneeList answers a community (or health staff) its members
// back from a stay outside the region within 14 days, most recently back
// first, with the days remaining; the read states a purpose (X-Purpose)
// and is audited.
func (s *Server) handleReturneeList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Resumptions.Returnees(r.Context(), caller(r), r.PathValue("id"), requestPurpose(r, ""))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := returneeList{OrgID: list.OrgID, AsOf: list.AsOf, Returnees: make([]returneeResponse, len(list.Returnees))}
	for i, rt := range list.Returnees {
		resp.Returnees[i] = returneeResponse{MemberID: rt.MemberID, Name: rt.Name, Unit: rt.Unit, ReturnedAt: rt.ReturnedAt,
			DaysRemaining: rt.DaysRemaining, FromDivision: rt.From}
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, resp)
}
