package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/qr"
)

const (
	defaultModuleSize = 8
	maxModuleSize     = 20
)

// handleCodePNG issues a fresh health code as a PNG QR image; ?size= is the
// module size in pixels.
func (s *Server) handleCodePNG(w http.ResponseWriter, r *http.Request) {
	size, err := intParam(r, "size", defaultModuleSize, 1, maxModuleSize)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := s.Citizens.Code(r.Context(), caller(r).PersonID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	img, err := qr.PNG(code.Code, size)
	if err != nil {
		s.writeError(w, r, healthcode.Internal(err, "render code PNG"))
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.WriteHeader(http.StatusOK)
	w.Write(img)
}
