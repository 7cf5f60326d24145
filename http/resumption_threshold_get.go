package http

import "net/http"

// handleResumptionThresholdGet answers the share of an employer's staff
// that must be ready for its application to be approved.
func (s *Server) handleResumptionThresholdGet(w http.ResponseWriter, r *http.Request) {
	t, err := s.Resumptions.Threshold(r.Context(), caller(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resumptionThresholdJSON{Share: t.Share, UpdatedAt: t.UpdatedAt, UpdatedBy: t.UpdatedBy})
}
