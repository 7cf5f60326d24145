package http

import "net/http"

// handleVenueCreate creates a venue (health staff and admins) and answers
// it with its place code.
func (s *Server) handleVenueCreate(w http.ResponseWriter, r *http.Request) {
	var req venueRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.Venues.Create(r.Context(), req.venue(""), req.Policy != nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := s.Venues.PlaceCode(r.Context(), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/venues/"+v.ID)
	writeJSON(w, http.StatusCreated, newVenueResponse(v, code))
}
