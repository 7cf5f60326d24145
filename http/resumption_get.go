package http

import "net/http"

// handleResumptionGet answers the employer's application (evaluated now,
// approved when enough staff are ready) and who of its members may
// return; the read states a purpose (X-Purpose) and is audited.
func (s *Server) handleResumptionGet(w http.ResponseWriter, r *http.Request) {
	rep, err := s.Resumptions.Report(r.Context(), caller(r), r.PathValue("id"), requestPurpose(r, ""))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := newResumptionResponse(rep)
	if resp.People == nil {
		resp.People = []resumptionMemberResponse{}
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, resp)
}
