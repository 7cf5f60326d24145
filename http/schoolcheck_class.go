package http

import "net/http"

// handleSchoolCheckClass is the class view of a check: ?unit= (the class),
// ?session=morning|noon, ?date= (default today).
func (s *Server) handleSchoolCheckClass(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, err := s.HealthChecks.ClassChecks(r.Context(), caller(r), r.PathValue("id"), q.Get("unit"), q.Get("session"),
		q.Get("date"), requestPurpose(r, ""))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, newClassViewResponse(v))
}
