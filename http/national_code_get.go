package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

// handleNationalCodeGet exchanges the citizen's current code at the hub
// for a national code: {"code","colour","issued_at","expires_at","region":"CN","home"}.
func (s *Server) handleNationalCodeGet(w http.ResponseWriter, r *http.Request) {
	if s.NationalCodes == nil {
		s.writeError(w, r, healthcode.Errorf(healthcode.EUNAVAILABLE, "this node follows no hub: it has no national codes"))
		return
	}
	nc, err := s.NationalCodes.NationalCode(r.Context(), caller(r).PersonID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nc)
}
