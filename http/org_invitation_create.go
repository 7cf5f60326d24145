package http

import (
	"net/http"
	"time"
)

type invitationRequest struct {
	Unit       string `json:"unit"`
	ValidHours int    `json:"valid_hours"`
}

type invitationResponse struct {
	Code      string    `json:"code"` // shown this once
	OrgID     string    `json:"org_id"`
	Unit      string    `json:"unit,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// handleOrgInvitationCreate makes an invitation code for people to join
// the organisation's roster themselves (into the unit named, or the
// token's own unit).
func (s *Server) handleOrgInvitationCreate(w http.ResponseWriter, r *http.Request) {
	var req invitationRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	code, inv, err := s.Orgs.CreateInvitation(r.Context(), caller(r), r.PathValue("id"), req.Unit,
		time.Duration(req.ValidHours)*time.Hour)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, invitationResponse{Code: code, OrgID: inv.OrgID, Unit: inv.Unit, ExpiresAt: inv.ExpiresAt})
}
