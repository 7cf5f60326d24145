package http

import (
	"net/http"
	"strconv"

	"github.com/healthcode/healthcode"
)

// handleJobGet answers a background job's progress. A provider sees only
// the jobs its own imports started; to it any other job does not exist.
func (s *Server) handleJobGet(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.writeError(w, r, fieldError("id", "must be a positive whole number"))
		return
	}
	j, err := s.Jobs.Job(r.Context(), id)
	if err == nil && caller(r).Is(healthcode.RoleProvider) && j.TokenID != caller(r).TokenID {
		err = healthcode.Errorf(healthcode.ENOTFOUND, "job not found")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}
