package http

import (
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
)

// handleOrgPut changes what the request names: a manager the webhook and
// the test window, health staff the name too.
func (s *Server) handleOrgPut(w http.ResponseWriter, r *http.Request) {
	var req orgUpdateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u := &healthcode.OrgUpdate{ID: r.PathValue("id"), Name: req.Name, Webhook: req.Webhook}
	if req.TestWindowHours != nil {
		d := time.Duration(*req.TestWindowHours) * time.Hour
		u.TestWindow = &d
	}
	o, err := s.Orgs.UpdateOrg(r.Context(), caller(r), u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newOrgResponse(o))
}
