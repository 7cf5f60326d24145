package http

import "net/http"

type resumptionList struct {
	Applications []*resumptionApplicationResponse `json:"applications"`
}

// handleResumptionList answers health staff the applications to resume
// work in ?state= (pending or approved; all when left out), oldest first,
// with the counts of their last evaluation.
func (s *Server) handleResumptionList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Resumptions.Applications(r.Context(), caller(r), r.URL.Query().Get("state"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := resumptionList{Applications: make([]*resumptionApplicationResponse, len(list))}
	for i, a := range list {
		resp.Applications[i] = newResumptionApplicationResponse(a)
	}
	writeJSON(w, http.StatusOK, resp)
}
