package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

// maxHubBatchBody bounds POST /hub/v1/batches: the largest batch the hub
// takes and its {"signed": …} envelope.
const maxHubBatchBody = healthcode.MaxBatchBytes + 1<<10

type hubBatchRequest struct {
	Signed string `json:"signed"`
}

type hubBatchResponse struct {
	ID        string `json:"id"`
	Seq       int64  `json:"seq"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

// handleHubBatchPost takes a region's signed batch: 201 when stored, 200
// for a resend of one stored already.
func (h *HubServer) handleHubBatchPost(w http.ResponseWriter, r *http.Request) {
	var req hubBatchRequest
	err := decodeJSONUpTo(w, r, &req, maxHubBatchBody)
	if err == nil && req.Signed == "" {
		err = fieldError("signed", "required: the batch as a JWS compact serialization")
	}
	var b *healthcode.Batch
	var duplicate bool
	if err == nil {
		b, duplicate, err = h.Hub.AcceptBatch(r.Context(), caller(r), req.Signed)
	}
	h.batchMetrics.posted(err, duplicate)
	if err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, hubBatchResponse{ID: b.ID, Seq: b.Seq, Duplicate: duplicate})
}
