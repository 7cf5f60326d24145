package http

import "net/http"

type checkinRequest struct {
	PlaceCode string `json:"place_code"`
	Direction string `json:"direction"` // "in" (default) or "out"
}

// handleCheckinCreate is a citizen scanning a venue's place code with
// their phone: the answer (venue, time, colour, pass or deny) is what the
// staff at the door look at.
func (s *Server) handleCheckinCreate(w http.ResponseWriter, r *http.Request) {
	var req checkinRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.Checkpoints.Checkin(r.Context(), caller(r).PersonID, req.PlaceCode, req.Direction)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusCreated, newScanResponse(res))
}
