package http

import (
	"net/http"
	"strings"
)

var joseContentType = []string{"application/jose"}

// handleHubTrust serves the signed trust list. Caches revalidate each time
// (no-cache): a revocation must reach the nodes at their next fetch, and
// the ETag makes an unchanged list cost a 304.
func (h *HubServer) handleHubTrust(w http.ResponseWriter, r *http.Request) {
	l, err := h.Hub.TrustList(r.Context())
	if err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", l.ETag)
	w.Header().Set("Cache-Control", "no-cache")
	if etagMatches(r.Header.Get("If-None-Match"), l.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header()["Content-Type"] = joseContentType
	w.WriteHeader(http.StatusOK)
	w.Write(l.JWS)
}

// etagMatches reports whether an If-None-Match header names etag, weakly
// compared as RFC 9110 asks for If-None-Match.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}
