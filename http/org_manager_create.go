package http

import (
	"net/http"
	"time"
)

type managerRequest struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
}

type managerResponse struct {
	ID    int64  `json:"id"`
	Token string `json:"token"` // shown this once
	OrgID string `json:"org_id"`
	Unit  string `json:"unit,omitempty"`
	Name  string `json:"name"`
	// CreatedAt is when the token was made.
	CreatedAt time.Time `json:"created_at"`
}

// handleOrgManagerCreate makes a manager's token for an organisation (of
// one unit when the request names it): health staff hand it over; it is
// shown this once.
func (s *Server) handleOrgManagerCreate(w http.ResponseWriter, r *http.Request) {
	var req managerRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	token, t, err := s.Orgs.CreateManagerToken(r.Context(), caller(r), r.PathValue("id"), req.Name, req.Unit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, managerResponse{ID: t.ID, Token: token, OrgID: t.OrgID, Unit: t.OrgUnit,
		Name: t.Name, CreatedAt: t.CreatedAt})
}
