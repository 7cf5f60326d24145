package http

import "net/http"

// handleVenueGet answers one venue with a freshly signed place code.
func (s *Server) handleVenueGet(w http.ResponseWriter, r *http.Request) {
	v, err := s.Venues.Venue(r.Context(), caller(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := s.Venues.PlaceCode(r.Context(), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newVenueResponse(v, code))
}
