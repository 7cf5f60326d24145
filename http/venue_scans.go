package http

import "net/http"

type scanList struct {
	Scans []loggedScanResponse `json:"scans"`
}

// handleVenueScans answers health staff who was at a venue between ?from=
// and ?to=, oldest first; the read states a purpose (X-Purpose) and every
// person listed sees it in their access log.
func (s *Server) handleVenueScans(w http.ResponseWriter, r *http.Request) {
	win, err := windowParams(r, 10000, 100000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	scans, err := s.Venues.Scans(r.Context(), caller(r), r.PathValue("id"), win, requestPurpose(r, ""))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := scanList{Scans: make([]loggedScanResponse, 0, len(scans))}
	for _, sc := range scans {
		resp.Scans = append(resp.Scans, newLoggedScanResponse(sc))
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, resp)
}
