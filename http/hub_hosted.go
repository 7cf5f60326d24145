package http

import (
	"net/http"
	"strings"

	"github.com/healthcode/healthcode"
)

// hostedPrefixes are the routes served for a region the hub hosts (way 3):
// its citizens', and what its health authority pushes and works with. A
// region without a node has no venues, checkpoints or traces of its own.
var hostedPrefixes = []string{
	"/api/v1/auth/", "/api/v1/me/", "/api/v1/records/", "/api/v1/risk-areas", "/api/v1/jobs/",
	"/api/v1/appeals", "/api/v1/persons/", "/api/v1/openapi.json",
}

// handleHosted serves /regions/{id}/api/v1/… with the API of region id,
// which the hub hosts (docs/federation.md, "Way 3"), and every other path
// under /regions/{id}/ but the region server's /metrics and /healthz with
// its citizen's web pages (the region's Pages: sign-in, their pages,
// static assets, the language switch), when it has them.
func (h *HubServer) handleHosted(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var region http.Handler
	if h.Hosted != nil {
		region = h.Hosted(id)
	}
	if region == nil {
		h.srv.writeError(w, r, healthcode.Errorf(healthcode.ENOTFOUND,
			"region %s is not hosted by this hub: only regions of mode national are", id))
		return
	}
	prefix := "/regions/" + id
	path := strings.TrimPrefix(r.URL.Path, prefix)
	if !strings.HasPrefix(path, "/api/") && path != "/api" && path != "/metrics" && path != "/healthz" {
		http.StripPrefix(prefix, region).ServeHTTP(w, r)
		return
	}
	for _, p := range hostedPrefixes {
		if strings.HasPrefix(path, p) {
			http.StripPrefix(prefix, region).ServeHTTP(w, r)
			return
		}
	}
	h.srv.writeError(w, r, healthcode.Errorf(healthcode.ENOTFOUND, "not served for a region without a node of its own: %s", path))
}
