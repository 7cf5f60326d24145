package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

type peerStatusRequest struct {
	Code string `json:"code"`
}

// handlePeerStatus answers the hub, resolving a code of this region for
// another (way 2), with its holder's live colour and action flag.
func (s *Server) handlePeerStatus(w http.ResponseWriter, r *http.Request) {
	var req peerStatusRequest
	var st *healthcode.PeerStatus
	err := decodeJSON(w, r, &req)
	if err == nil && s.Peers == nil {
		err = healthcode.Errorf(healthcode.EUNAVAILABLE, "this node answers no peers")
	}
	if err == nil {
		st, err = s.Peers.PeerStatus(r.Context(), caller(r), req.Code)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, st)
}
