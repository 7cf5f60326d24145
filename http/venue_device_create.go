package http

import (
	"net/http"
	"time"
)

type deviceRequest struct {
	Name string `json:"name"`
}

type deviceResponse struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	VenueID   string    `json:"venue_id"`
	Token     string    `json:"token"` // shown this once
	CreatedAt time.Time `json:"created_at"`
}

// handleDeviceCreate makes a checkpoint token bound to the venue: its
// operator (or health staff, admins) sets up a scanner or a phone.
func (s *Server) handleDeviceCreate(w http.ResponseWriter, r *http.Request) {
	var req deviceRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	token, t, err := s.Venues.CreateDevice(r.Context(), caller(r), r.PathValue("id"), req.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, deviceResponse{ID: t.ID, Name: t.Name, VenueID: t.VenueID, Token: token, CreatedAt: t.CreatedAt})
}
