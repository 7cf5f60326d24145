package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/qr"
)

// handleCodeSVG issues a fresh health code as an SVG QR image.
func (s *Server) handleCodeSVG(w http.ResponseWriter, r *http.Request) {
	code, err := s.Citizens.Code(r.Context(), caller(r).PersonID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	img, err := qr.SVG(code.Code)
	if err != nil {
		s.writeError(w, r, healthcode.Internal(err, "render code SVG"))
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.WriteHeader(http.StatusOK)
	w.Write(img)
}
