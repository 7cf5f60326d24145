package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

type venueList struct {
	Venues []venueResponse `json:"venues"`
}

// handleVenueList lists venues, ?division= (a prefix), ?kind=, ?limit=,
// ?offset=; a venue operator sees only their own.
func (s *Server) handleVenueList(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 100, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	offset, err := intParam(r, "offset", 0, 0, 1<<30)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	venues, err := s.Venues.List(r.Context(), caller(r), healthcode.VenueFilter{
		Division: q.Get("division"), Kind: q.Get("kind"), Limit: limit, Offset: offset})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := venueList{Venues: make([]venueResponse, 0, len(venues))}
	for _, v := range venues {
		resp.Venues = append(resp.Venues, newVenueResponse(v, ""))
	}
	writeJSON(w, http.StatusOK, resp)
}
