package http

import "net/http"

// handleOrgCreate creates a community, employer or school (health staff).
func (s *Server) handleOrgCreate(w http.ResponseWriter, r *http.Request) {
	var req orgRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.Orgs.CreateOrg(r.Context(), caller(r), req.org())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+o.ID)
	writeJSON(w, http.StatusCreated, newOrgResponse(o))
}
