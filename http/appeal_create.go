package http

import "net/http"

type appealRequest struct {
	Reason string `json:"reason"`
}

// handleAppealCreate files the caller's appeal against their current status.
func (s *Server) handleAppealCreate(w http.ResponseWriter, r *http.Request) {
	var req appealRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Appeals.File(r.Context(), caller(r).PersonID, req.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newAppealResponse(a))
}
