package http

import (
	"net/http"
	"strconv"
)

// handlePersonStatus answers health staff one person's current status.
func (s *Server) handlePersonStatus(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.writeError(w, r, fieldError("id", "must be a person id"))
		return
	}
	st, err := s.Persons.Status(r.Context(), caller(r), id, requestPurpose(r, ""))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newStatusResponse(st))
}
