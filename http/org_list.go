package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

type orgList struct {
	Orgs []orgResponse `json:"orgs"`
}

// handleOrgList lists organisations, ?kind=, ?division= (a prefix),
// ?limit=, ?offset=; a manager sees only their own.
func (s *Server) handleOrgList(w http.ResponseWriter, r *http.Request) {
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
	orgs, err := s.Orgs.ListOrgs(r.Context(), caller(r), healthcode.OrgFilter{Kind: q.Get("kind"),
		Division: q.Get("division"), Limit: limit, Offset: offset})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := orgList{Orgs: make([]orgResponse, 0, len(orgs))}
	for _, o := range orgs {
		resp.Orgs = append(resp.Orgs, newOrgResponse(o))
	}
	writeJSON(w, http.StatusOK, resp)
}
