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
// Without a token the caller is a citizen's app, limited by its address;
// with one it must be a region's node asking for one of its citizens.
func (h *HubServer) handleHubExchange(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		h.srv.requireRole(healthcode.RolePeer)(h.handleHubExchangeFor).ServeHTTP(w, r)
		return
	}
	h.exchange(w, r, func(code string) (*healthcode.NationalCode, error) {
		return h.National.Exchange(r.Context(), code, h.srv.clientAddr(r))
	})
}

// handleHubExchangeFor is the exchange a node asks for its citizen.
func (h *HubServer) handleHubExchangeFor(w http.ResponseWriter, r *http.Request) {
	h.exchange(w, r, func(code string) (*healthcode.NationalCode, error) {
		return h.National.ExchangeFor(r.Context(), caller(r), code)
	})
}

func (h *HubServer) exchange(w http.ResponseWriter, r *http.Request, issue func(code string) (*healthcode.NationalCode, error)) {
	var nc *healthcode.NationalCode
	var req hubExchangeRequest
	err := decodeJSONUpTo(w, r, &req, maxHubExchangeBody)
	if err == nil && h.National == nil {
		err = healthcode.Errorf(healthcode.EUNAVAILABLE, "this hub issues no national codes")
	}
	if err == nil {
		nc, err = issue(req.Code)
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
