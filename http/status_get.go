package http

import "net/http"

// handleStatusGet answers the caller's current status.
func (s *Server) handleStatusGet(w http.ResponseWriter, r *http.Request) {
	st, err := s.Citizens.Status(r.Context(), caller(r).PersonID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newStatusResponse(st))
}
