package http

import "net/http"

// resumptionThresholdRequest sets the threshold.
type resumptionThresholdRequest struct {
	Share float64 `json:"share"`
}

// handleResumptionThresholdPut sets the share of an employer's staff that
// must be ready for its application to be approved; pending applications
// are judged by it at their next evaluation.
func (s *Server) handleResumptionThresholdPut(w http.ResponseWriter, r *http.Request) {
	var req resumptionThresholdRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Resumptions.SetThreshold(r.Context(), caller(r), req.Share)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resumptionThresholdJSON{Share: t.Share, UpdatedAt: t.UpdatedAt, UpdatedBy: t.UpdatedBy})
}
