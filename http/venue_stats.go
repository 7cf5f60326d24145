package http

import "net/http"

// handleVenueStats answers a venue's flow over ?from= … ?to= (default the
// last 24 hours): entries per hour, peak occupancy, colour mix, denials.
func (s *Server) handleVenueStats(w http.ResponseWriter, r *http.Request) {
	win, err := windowParams(r, 0, 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.Venues.Stats(r.Context(), caller(r), r.PathValue("id"), win)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
