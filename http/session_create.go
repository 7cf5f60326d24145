package http

import (
	"net/http"
	"time"
)

type sessionRequest struct {
	Phone string `json:"phone"`
	OTP   string `json:"otp"`
}

type sessionResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// handleSessionCreate signs a citizen in with phone and one-time password.
// The token comes back in the body (for apps, as a bearer token) and as the
// session cookie (for the web UI).
func (s *Server) handleSessionCreate(w http.ResponseWriter, r *http.Request) {
	w.Header()["Cache-Control"] = noStore
	var req sessionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	token, sess, err := s.Auth.CreateSession(r.Context(), req.Phone, req.OTP, s.clientAddr(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setSessionCookie(w, token, sess.ExpiresAt)
	writeJSON(w, http.StatusCreated, sessionResponse{Token: token, ExpiresAt: sess.ExpiresAt})
}
