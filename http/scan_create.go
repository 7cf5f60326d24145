package http

import "net/http"

type scanRequest struct {
	Code      string `json:"code"`
	Direction string `json:"direction"`
}

// handleScanCreate judges a code shown to the caller's checkpoint. A 200
// means the scan is durably in the log, pass or deny alike.
func (s *Server) handleScanCreate(w http.ResponseWriter, r *http.Request) {
	var req scanRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Direction == "" {
		req.Direction = "in"
	}
	res, err := s.Checkpoints.Scan(r.Context(), caller(r), req.Code, req.Direction)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, newScanResponse(res))
}
