package http

import (
	"net/http"
)

type joinRequest struct {
	Invitation string `json:"invitation"`
}

// handleMyOrgJoin puts the citizen on an organisation's roster with an
// invitation code, named by their profile's document and name.
func (s *Server) handleMyOrgJoin(w http.ResponseWriter, r *http.Request) {
	var req joinRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.Orgs.Join(r.Context(), caller(r).PersonID, req.Invitation)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newMembershipResponse(m))
}
