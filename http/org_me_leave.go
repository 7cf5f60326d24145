package http

import "net/http"

// handleMyOrgLeave takes the citizen off an organisation's roster.
func (s *Server) handleMyOrgLeave(w http.ResponseWriter, r *http.Request) {
	if err := s.Orgs.Leave(r.Context(), caller(r).PersonID, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
