package http

import "net/http"

// handleVenuePut replaces what may change of a venue: name, address,
// capacity, maximum stay and policy. Kind and division stay as created.
func (s *Server) handleVenuePut(w http.ResponseWriter, r *http.Request) {
	var req venueRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	old, err := s.Venues.Venue(r.Context(), caller(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := req.venue(id)
	if req.Policy == nil {
		v.Policy = old.Policy
	}
	if req.MaxStayMinutes == 0 {
		v.MaxStay = old.MaxStay
	}
	v, err = s.Venues.Update(r.Context(), caller(r), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newVenueResponse(v, ""))
}
