package http

import (
	"net"
	"net/http"
	"strings"
)

// clientAddr is the address the services rate-limit sign-in by: the peer's
// host, or with TrustProxy the first X-Forwarded-For entry (the client as
// the proxy saw it). Without TrustProxy the header is ignored, since any
// client can send it.
func (s *Server) clientAddr(r *http.Request) string {
	if s.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if first = strings.TrimSpace(first); first != "" {
				return first
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
