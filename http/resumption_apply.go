package http

import "net/http"

// handleResumptionApply makes the employer's application to resume work
// with its roster (201), or answers the one it has (200), evaluated at
// once: approved in the answer when enough staff are ready.
func (s *Server) handleResumptionApply(w http.ResponseWriter, r *http.Request) {
	rep, created, err := s.Resumptions.Apply(r.Context(), caller(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, newResumptionResponse(rep))
}
