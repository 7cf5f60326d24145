package http

import (
	"net/http"
	"strconv"
)

type hubBatchListResponse struct {
	Batches []hubBatchJSON `json:"batches"`
	Next    int64          `json:"next"`
}

type hubBatchJSON struct {
	Seq    int64  `json:"seq"`
	ID     string `json:"id"`
	From   string `json:"from"`
	Signed string `json:"signed"`
}

// handleHubBatchList pages the batches to the caller's region by seq.
func (h *HubServer) handleHubBatchList(w http.ResponseWriter, r *http.Request) {
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		var err error
		if since, err = strconv.ParseInt(v, 10, 64); err != nil || since < 0 {
			h.srv.writeError(w, r, fieldError("since", "must be a seq, 0 or more: the next of the last page"))
			return
		}
	}
	limit, err := intParam(r, "limit", 0, 1, 1000)
	if err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	bs, next, err := h.Hub.ListBatches(r.Context(), caller(r), since, limit)
	if err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	resp := hubBatchListResponse{Batches: make([]hubBatchJSON, 0, len(bs)), Next: next}
	for _, b := range bs {
		resp.Batches = append(resp.Batches, hubBatchJSON{Seq: b.Seq, ID: b.ID, From: b.From, Signed: string(b.Signed)})
	}
	writeJSON(w, http.StatusOK, resp)
}
