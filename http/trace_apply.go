package http

import (
	"net/http"
	"strconv"
)

// handleTraceApply turns a finished trace into contacts records and
// answers the import summary; applying twice stores nothing new.
func (s *Server) handleTraceApply(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.writeError(w, r, fieldError("id", "must be a positive whole number"))
		return
	}
	sum, err := s.Traces.ApplyTrace(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}
