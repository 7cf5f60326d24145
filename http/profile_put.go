package http

import "net/http"

// handleProfilePut replaces the caller's profile and answers it, masked.
func (s *Server) handleProfilePut(w http.ResponseWriter, r *http.Request) {
	var req profileRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.Citizens.SaveProfile(r.Context(), caller(r).PersonID, req.profile())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, maskedProfile(p))
}
