package http

import (
	"net/http"
	"time"
)

type otpRequest struct {
	Phone string `json:"phone"`
}

type otpResponse struct {
	ExpiresAt time.Time `json:"expires_at"`
	DevOTP    string    `json:"dev_otp,omitempty"`
}

// handleOTPRequest sends a one-time password to a phone.
func (s *Server) handleOTPRequest(w http.ResponseWriter, r *http.Request) {
	w.Header()["Cache-Control"] = noStore
	var req otpRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	sent, err := s.Auth.RequestOTP(r.Context(), req.Phone, s.clientAddr(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := otpResponse{ExpiresAt: sent.ExpiresAt}
	// Belt and braces: a password leaves the node only in dev mode, even if
	// a service were misconfigured to return one.
	if s.Dev {
		resp.DevOTP = sent.DevOTP
	}
	writeJSON(w, http.StatusOK, resp)
}
