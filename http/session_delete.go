package http

import "net/http"

// handleSessionDelete signs the caller out and clears the session cookie.
func (s *Server) handleSessionDelete(w http.ResponseWriter, r *http.Request) {
	token, _ := requestToken(r)
	if err := s.Auth.DeleteSession(r.Context(), token); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
}
