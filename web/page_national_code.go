package web

import (
	"net/http"

	"github.com/healthcode/healthcode"
	hchttp "github.com/healthcode/healthcode/http"
)

// handleNationalCode shows the citizen's national code: their current code
// exchanged at the hub (iss CN, home this region), which checkpoints of
// every region following the hub accept. When the hub gives none the page
// says so and leads back to the region's code, which still works.
func (h *Handler) handleNationalCode(w http.ResponseWriter, r *request) {
	v := &view{Title: "code.national_title"}
	if h.National == nil {
		h.renderError(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	nc, err := h.National.NationalCode(r.Context(), r.PersonID())
	switch healthcode.ErrorCode(err) {
	case "":
	case healthcode.EUNAVAILABLE, healthcode.ERATELIMIT:
		msg := r.Lang.T("code.national_unavailable")
		if healthcode.ErrorCode(err) == healthcode.ERATELIMIT {
			msg = h.message(r, err)
		}
		v.Data = codeData{Unavailable: msg}
		h.render(w, r, hchttp.ErrorStatus(healthcode.ErrorCode(err)), "national.html", v)
		return
	case healthcode.ENOTFOUND:
		// No code yet: "my code" says what to do first.
		h.redirect(w, r.Request, "/me/code")
		return
	default:
		h.renderErr(w, r, err)
		return
	}
	data, err := h.codeCard(r, &nc.IssuedCode)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	data.National, data.Home = true, h.regionName(r, nc.Home)
	v.Data = data
	h.render(w, r, http.StatusOK, "national.html", v)
}

// regionName names region as the node's trust list does, its id when the
// list does not.
func (h *Handler) regionName(r *request, region string) string {
	if h.RegionName != "" {
		return h.RegionName
	}
	if h.TrustList != nil {
		if l, err := h.TrustList(r.Context()); err == nil {
			if reg := l.Region(region); reg != nil && reg.Name != "" {
				return reg.Name
			}
		}
	}
	return region
}
