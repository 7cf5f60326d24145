package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

type hubExchangeRequest struct {
	Code string `json:"code"`
}

// handleHubExchange exchanges a fresh local code for a national code:
// 200 {"code","colour","issued_at","expires_at","region":"CN","home"}.
func (h *HubServer) handleHubExchange(w http.ResponseWriter, r *http.Request) {
	var nc *healthcode.NationalCode
	var req hubExchangeRequest
	err := decodeJSONUpTo(w, r, &req, maxHubExchangeBody)
	if err == nil && h.National == nil {
		err = healthcode.Errorf(healthcode.EUNAVAILABLE, "this hub issues no national codes")
	}
	if err == nil {
		nc, err = h.National.Exchange(r.Context(), req.Code, h.srv.clientAddr(r))
	}
	h.exchangeMetrics.exchanged(err)
	if err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nc)
}

// maxHubExchangeBody bounds the request: a code is a few hundred bytes,
// and at most 64 KiB inflated.
const maxHubExchangeBody = 16 << 10
