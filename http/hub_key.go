package http

import (
	"encoding/base64"
	"net/http"
)

type hubKeyResponse struct {
	KID       string `json:"kid"`
	PublicKey string `json:"public_key"`
}

// handleHubKey answers the hub's trust-list key, for setting a node up; a
// node pins --hub-key and does not trust this answer by itself.
func (h *HubServer) handleHubKey(w http.ResponseWriter, r *http.Request) {
	kid, pub, err := h.Hub.PublicKey(r.Context())
	if err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, hubKeyResponse{KID: kid, PublicKey: base64.StdEncoding.EncodeToString(pub)})
}
