package web

import (
	"encoding/json"
	"net/http"

	"github.com/healthcode/healthcode"
)

// The checkpoint page (role checkpoint): a device at a venue's door scans
// codes with a USB scanner (it types the code and Enter into the focused
// field) or the camera, and shows each verdict full-screen. The page is
// a shell the script checkpoint.js drives: it posts each code to the API
// (POST /api/v1/scans, same-origin with the session cookie), keeps the
// trust list and the venue's policy for when the node cannot be reached,
// queues what it judged offline and uploads it (POST /api/v1/scans/batch).

var checkpointRole = []healthcode.Role{healthcode.RoleCheckpoint}

// denyCodes are every deny reason, whose texts the page carries for the
// verdicts it makes offline.
var denyCodes = []string{
	healthcode.DenyMalformed, healthcode.DenyForged, healthcode.DenyExpired, healthcode.DenyNotYetValid,
	healthcode.DenyUntrusted, healthcode.DenyKeyRevoked, healthcode.DenyColour, healthcode.DenyTestRequired,
	healthcode.DenyDosesRequired, healthcode.DenyActionRequired, healthcode.DenyVenueFull, healthcode.DenyUnknownPerson,
	healthcode.DenyWrongCodeKind, healthcode.DenyNotEmployed, healthcode.DenyHubUnavailable, healthcode.DenyViaHub,
}

// checkpointData is the checkpoint page's own.
type checkpointData struct {
	Venue     *healthcode.Venue
	Device    string
	DeviceID  int64
	Occupancy int
	Policy    string // the venue's policy as JSON, for judging offline
	Reasons   []healthcode.DenyReason
	Lang      string
}

// Text is a deny reason's text in the page's language.
func (d checkpointData) Text(r healthcode.DenyReason) string {
	if d.Lang == "en" {
		return r.TextEN
	}
	return r.TextZH
}

func (h *Handler) handleCheckpoint(w http.ResponseWriter, r *request) {
	v, n, err := h.Venues.Occupancy(r.Context(), r.Caller, r.Caller.VenueID)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	policy, err := json.Marshal(v.Policy)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	data := checkpointData{Venue: v, Device: r.Caller.Name, DeviceID: r.Caller.TokenID, Occupancy: n,
		Policy: string(policy), Lang: r.Lang.lang}
	for _, code := range denyCodes {
		data.Reasons = append(data.Reasons, healthcode.NewDenyReason(code))
	}
	h.render(w, r, http.StatusOK, "checkpoint.html", &view{Title: "checkpoint.title", Data: data})
}
