package http

import (
	"net/http"
	"time"
)

type occupancyResponse struct {
	VenueID   string    `json:"venue_id"`
	Occupancy int       `json:"occupancy"`
	Capacity  int       `json:"capacity"` // 0: no limit
	Full      bool      `json:"full"`
	At        time.Time `json:"at"`
}

// handleVenueOccupancy answers how many people are inside the venue now.
func (s *Server) handleVenueOccupancy(w http.ResponseWriter, r *http.Request) {
	v, n, err := s.Venues.Occupancy(r.Context(), caller(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, occupancyResponse{VenueID: v.ID, Occupancy: n, Capacity: v.Capacity,
		Full: v.Capacity > 0 && n >= v.Capacity, At: time.Now().UTC()})
}
