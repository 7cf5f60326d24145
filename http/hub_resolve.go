package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

// maxHubResolveBody bounds POST /hub/v1/resolve: a code is a few hundred
// bytes.
const maxHubResolveBody = 16 << 10

type hubResolveRequest struct {
	Code string `json:"code"`
}

// hubResolveResponse carries the national status twice: signed, which is
// what a node trusts, and as JSON, for people reading the answer.
type hubResolveResponse struct {
	Signed string                     `json:"signed"`
	Status *healthcode.NationalStatus `json:"status"`
}

// handleHubResolve resolves a code for a region's node. Every verdict on
// the code, a refusal too, is a 200 with the signed status; 4xx answers
// are for the request.
func (h *HubServer) handleHubResolve(w http.ResponseWriter, r *http.Request) {
	var req hubResolveRequest
	var res *healthcode.Resolution
	err := decodeJSONUpTo(w, r, &req, maxHubResolveBody)
	if err == nil && h.Resolver == nil {
		err = healthcode.Errorf(healthcode.EUNAVAILABLE, "this hub resolves no codes")
	}
	if err == nil {
		res, err = h.Resolver.Resolve(r.Context(), caller(r), req.Code)
	}
	h.resolveMetrics.resolved(res, err)
	if err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, hubResolveResponse{Signed: res.Signed, Status: res.Status})
}
