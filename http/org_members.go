package http

import (
	"net/http"
	"strconv"

	"github.com/healthcode/healthcode"
)

// handleOrgMembers answers a page of an organisation's members as its
// manager sees them, ?unit=, ?after= (a member id), ?limit=; every
// registered member shown goes to their access log with the purpose
// stated (X-Purpose).
func (s *Server) handleOrgMembers(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 100, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			s.writeError(w, r, fieldError("after", "must be a member id, 0 or more"))
			return
		}
	}
	page, err := s.Orgs.Members(r.Context(), caller(r), r.PathValue("id"),
		healthcode.OrgMemberFilter{Unit: r.URL.Query().Get("unit"), After: after, Limit: limit}, requestPurpose(r, ""))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newMemberPageResponse(page))
}
