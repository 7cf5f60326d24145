package http

import "net/http"

type hubBatchAckRequest struct {
	Through *int64 `json:"through"`
}

type hubBatchAckResponse struct {
	Acked int `json:"acked"`
}

// handleHubBatchAck takes the receiver's word that it applied its batches
// up to through.
func (h *HubServer) handleHubBatchAck(w http.ResponseWriter, r *http.Request) {
	var req hubBatchAckRequest
	if err := decodeJSON(w, r, &req); err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	if req.Through == nil {
		h.srv.writeError(w, r, fieldError("through", "required: the last seq applied"))
		return
	}
	n, err := h.Hub.AckBatches(r.Context(), caller(r), *req.Through)
	if err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, hubBatchAckResponse{Acked: n})
}
