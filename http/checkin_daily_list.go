package http

import "net/http"

// handleDailyCheckInList lists the citizen's own check-ins of the last
// 30 days, newest first.
func (s *Server) handleDailyCheckInList(w http.ResponseWriter, r *http.Request) {
	list, err := s.HealthChecks.CheckIns(r.Context(), caller(r).PersonID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := checkInList{CheckIns: make([]checkInResponse, len(list))}
	for i, c := range list {
		resp.CheckIns[i] = newCheckInResponse(c)
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, resp)
}
