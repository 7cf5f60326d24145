package http

import "net/http"

// handleProfileGet answers the caller's profile, masked.
func (s *Server) handleProfileGet(w http.ResponseWriter, r *http.Request) {
	p, err := s.Citizens.Profile(r.Context(), caller(r).PersonID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, maskedProfile(p))
}
