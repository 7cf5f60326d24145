package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

type appealQueue struct {
	Appeals []appealCaseResponse `json:"appeals"`
}

type appealCaseResponse struct {
	Appeal staffAppealResponse `json:"appeal"`
	Person personResponse      `json:"person"`
}

// handleAppealQueue answers health staff the appeals in ?state= (pending
// by default), oldest first, each person masked with their current status.
func (s *Server) handleAppealQueue(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 50, 1, 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	state := healthcode.AppealState(r.URL.Query().Get("state"))
	cases, err := s.Appeals.Queue(r.Context(), caller(r), state, limit, requestPurpose(r, ""))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := appealQueue{Appeals: make([]appealCaseResponse, 0, len(cases))}
	for _, c := range cases {
		resp.Appeals = append(resp.Appeals, appealCaseResponse{
			Appeal: newStaffAppealResponse(c.Appeal), Person: newPersonResponse(c.Person)})
	}
	writeJSON(w, http.StatusOK, resp)
}
