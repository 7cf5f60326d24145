package http

import "net/http"

type appealList struct {
	Appeals []appealResponse `json:"appeals"`
}

// handleAppealList answers the caller's appeals with their outcomes,
// newest first.
func (s *Server) handleAppealList(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 20, 1, 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	as, err := s.Appeals.Appeals(r.Context(), caller(r).PersonID, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := appealList{Appeals: make([]appealResponse, 0, len(as))}
	for _, a := range as {
		resp.Appeals = append(resp.Appeals, newAppealResponse(a))
	}
	writeJSON(w, http.StatusOK, resp)
}
