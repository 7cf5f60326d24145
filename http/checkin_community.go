package http

import "net/http"

// handleCommunityCheckIns is a community's view of ?date= (default today):
// its members under home quarantine or monitoring and whether they
// checked in, those who did not flagged missing.
func (s *Server) handleCommunityCheckIns(w http.ResponseWriter, r *http.Request) {
	v, err := s.HealthChecks.CommunityCheckIns(r.Context(), caller(r), r.PathValue("id"), r.URL.Query().Get("date"),
		requestPurpose(r, ""))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, newCommunityCheckInsResponse(v))
}
