package http

import "net/http"

// handleSchoolCheckSummary is the school view of a check, per class:
// ?session=morning|noon, ?date= (default today).
func (s *Server) handleSchoolCheckSummary(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sum, err := s.HealthChecks.SchoolChecks(r.Context(), caller(r), r.PathValue("id"), q.Get("session"),
		q.Get("date"), requestPurpose(r, ""))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, newSchoolSummaryResponse(sum))
}
