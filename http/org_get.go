package http

import "net/http"

// handleOrgGet answers one organisation to its managers and health staff.
func (s *Server) handleOrgGet(w http.ResponseWriter, r *http.Request) {
	o, err := s.Orgs.Org(r.Context(), caller(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newOrgResponse(o))
}
