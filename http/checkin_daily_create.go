package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

// handleDailyCheckInCreate stores the citizen's own temperature and
// symptoms of today (居家健康打卡) and answers with their status.
func (s *Server) handleDailyCheckInCreate(w http.ResponseWriter, r *http.Request) {
	var req checkInRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, st, err := s.HealthChecks.CheckIn(r.Context(), caller(r).PersonID,
		&healthcode.CheckIn{Temperature: req.Temperature, Symptoms: req.Symptoms})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, checkInCreated{CheckIn: newCheckInResponse(c), Status: newStatusResponse(st)})
}
