package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

// handleTrust serves the node's trust list document as is: verifiers check
// its content, the node does not re-encode it.
func (s *Server) handleTrust(w http.ResponseWriter, r *http.Request) {
	if s.TrustJSON == nil {
		s.writeError(w, r, healthcode.Errorf(healthcode.EUNAVAILABLE, "no trust list yet"))
		return
	}
	doc, err := s.TrustJSON(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header()["Content-Type"] = jsonContentType
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.WriteHeader(http.StatusOK)
	w.Write(doc)
}
