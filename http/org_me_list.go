package http

import "net/http"

type membershipList struct {
	Orgs []membershipResponse `json:"orgs"`
}

// handleMyOrgList lists the organisations the citizen belongs to.
func (s *Server) handleMyOrgList(w http.ResponseWriter, r *http.Request) {
	ms, err := s.Orgs.Memberships(r.Context(), caller(r).PersonID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := membershipList{Orgs: make([]membershipResponse, 0, len(ms))}
	for _, m := range ms {
		resp.Orgs = append(resp.Orgs, newMembershipResponse(m))
	}
	writeJSON(w, http.StatusOK, resp)
}
