package http

import "net/http"

// handleCodeGet issues a fresh health code: {"code","colour","issued_at","expires_at"}.
func (s *Server) handleCodeGet(w http.ResponseWriter, r *http.Request) {
	code, err := s.Citizens.Code(r.Context(), caller(r).PersonID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, code)
}
