package http

import "net/http"

type hubKeysRequest struct {
	Signed string `json:"signed"`
}

type hubKeysResponse struct {
	Keys int `json:"keys"`
}

// handleHubKeysPut takes a region's signed key set.
func (h *HubServer) handleHubKeysPut(w http.ResponseWriter, r *http.Request) {
	var req hubKeysRequest
	if err := decodeJSON(w, r, &req); err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	if req.Signed == "" {
		h.srv.writeError(w, r, fieldError("signed", "required: the key set as a JWS compact serialization"))
		return
	}
	n, err := h.Hub.PutKeys(r.Context(), caller(r), r.PathValue("id"), req.Signed)
	if err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, hubKeysResponse{Keys: n})
}
