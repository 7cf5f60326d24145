package http

import (
	"net/http"
	"time"
)

type checkpointResponse struct {
	DeviceID   int64         `json:"device_id"`
	DeviceName string        `json:"device_name"`
	Venue      venueResponse `json:"venue"`
	// ServerTime lets the device notice its clock is off; the trust list
	// it caches for offline scanning is at TrustURL.
	ServerTime time.Time `json:"server_time"`
	TrustURL   string    `json:"trust_url"`
}

// handleCheckpointGet answers a checkpoint device what it caches to judge
// codes offline: its venue with the entry policy and capacity.
func (s *Server) handleCheckpointGet(w http.ResponseWriter, r *http.Request) {
	c := caller(r)
	v, err := s.Venues.Venue(r.Context(), c, c.VenueID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, checkpointResponse{DeviceID: c.TokenID, DeviceName: c.Name, Venue: newVenueResponse(v, ""),
		ServerTime: time.Now().UTC(), TrustURL: "/api/v1/trust"})
}
