package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

// The citizen's check-in (/me/checkin): the citizen scans the place code
// on a venue's poster with the phone's camera (camera.js and jsQR fill the
// field and send the form) or pastes it, and the check-in service judges
// their own live status against the venue's policy and logs it, as POST
// /api/v1/checkins does. The answer — the venue, the time, pass or deny
// with the reasons in words — is what the staff at the door look at.

// CheckinService checks a citizen in at a venue by its place code
// (node.ScanService).
type CheckinService interface {
	Checkin(ctx context.Context, personID int64, placeCode, direction string) (*healthcode.ScanResult, error)
}

// checkinData is the check-in page's own.
type checkinData struct {
	Result *checkinResult // the check-in just made; nil on the form alone
	// NeedDeclaration is set when the citizen must declare before a
	// check-in can judge their status.
	NeedDeclaration bool
	NowMS           int64 // the server's clock, for the page's own
}

// checkinResult is a check-in as the page shows it.
type checkinResult struct {
	Pass      bool
	Venue     *healthcode.Venue
	At        time.Time
	Direction string
	Colour    string
	Action    bool
	Reasons   []string // in the page's language
	// Next are what to do next, one for each kind of reason, in the
	// page's language; CodeLink links to "my code" when one of them
	// points there.
	Next     []string
	CodeLink bool
}

// denyNext gives the next step of a deny reason a citizen can act on: the
// catalog key of its words and whether "my code" says more. A reason of
// none of these (a venue that knows nobody by the code, say) has the
// general step, checkin.deny_next.
var denyNext = map[string]struct {
	key  string
	code bool
}{
	healthcode.DenyColour:         {"checkin.next.colour", true},
	healthcode.DenyActionRequired: {"checkin.next.action", true},
	healthcode.DenyTestRequired:   {"checkin.next.test", false},
	healthcode.DenyDosesRequired:  {"checkin.next.doses", false},
	healthcode.DenyVenueFull:      {"checkin.next.full", false},
	healthcode.DenyNotEmployed:    {"checkin.next.employer", false},
}

// nextSteps fills the result's next steps from its deny reasons, each
// step once.
func (res *checkinResult) nextSteps(r *request, reasons []string) {
	seen := map[string]bool{}
	for _, code := range reasons {
		n, ok := denyNext[code]
		if !ok {
			n.key = "checkin.deny_next"
		}
		if seen[n.key] {
			continue
		}
		seen[n.key] = true
		res.Next = append(res.Next, r.Lang.T(n.key))
		res.CodeLink = res.CodeLink || n.code
	}
	if !res.Pass && len(res.Next) == 0 {
		res.Next = []string{r.Lang.T("checkin.deny_next")}
	}
}

// placeCodeErrors are the check-in service's reasons a place code is
// refused, by a phrase of each, with the message the page shows.
var placeCodeErrors = []struct{ phrase, key string }{
	{"not a place code", "checkin.err_not_place"},
	{"not in the trust list", "checkin.err_region"},
	{"a place code of region", "checkin.err_region"},
	{"revoked key", "checkin.err_revoked"},
	{"signature does not hold", "checkin.err_forged"},
	{"dated in the future", "checkin.err_future"},
	{"which this region does not know", "checkin.err_unknown_venue"},
}

func (h *Handler) handleCheckin(w http.ResponseWriter, r *request) {
	h.render(w, r, http.StatusOK, "checkin.html", &view{Title: "checkin.title", Form: url.Values{},
		Data: checkinData{NowMS: h.Now().UnixMilli()}})
}

func (h *Handler) handleCheckinSubmit(w http.ResponseWriter, r *request) {
	r.ParseForm()
	code := strings.TrimSpace(r.PostForm.Get("place_code"))
	dir := healthcode.DirectionIn
	if r.PostForm.Get("direction") == healthcode.DirectionOut {
		dir = healthcode.DirectionOut
	}
	v := &view{Title: "checkin.title", Form: r.PostForm}
	data := checkinData{NowMS: h.Now().UnixMilli()}
	if code == "" {
		v.Errors, v.Data = map[string]string{"place_code": r.Lang.T("fielderr.required")}, data
		h.render(w, r, http.StatusBadRequest, "checkin.html", v)
		return
	}
	res, err := h.Checkins.Checkin(r.Context(), r.PersonID(), code, dir)
	if err != nil {
		var e *healthcode.Error
		switch {
		case errors.As(err, &e) && e.Code == healthcode.EINVALID && e.Fields["place_code"] != "":
			v.Errors, v.Data = map[string]string{"place_code": placeCodeMessage(r, code, e.Fields["place_code"])}, data
			h.render(w, r, http.StatusBadRequest, "checkin.html", v)
		case healthcode.ErrorCode(err) == healthcode.ENOTFOUND:
			// No profile or declaration yet: the status cannot be judged.
			data.NeedDeclaration = true
			v.Error, v.Data = r.Lang.T("checkin.need_declaration"), data
			h.render(w, r, http.StatusConflict, "checkin.html", v)
		default:
			h.formError(w, r, v, err, "place_code", "checkin.html", data)
		}
		return
	}
	sc := res.Scan
	data.Result = &checkinResult{Pass: sc.Verdict == healthcode.VerdictPass, Venue: res.Venue, At: sc.At,
		Direction: sc.Direction, Colour: sc.Colour.String(), Action: res.ActionRequired}
	for _, code := range sc.Reasons {
		data.Result.Reasons = append(data.Result.Reasons, denyText(r, code))
	}
	data.Result.nextSteps(r, sc.Reasons)
	// The form comes back empty for the next venue, the direction kept.
	v.Form, v.Data = url.Values{"direction": {dir}}, data
	h.render(w, r, http.StatusOK, "checkin.html", v)
}

// placeCodeMessage is the page's words for the service's reason a place
// code was refused.
func placeCodeMessage(r *request, code, reason string) string {
	if strings.HasPrefix(code, hcode.HealthPrefix) {
		return r.Lang.T("checkin.err_health_code")
	}
	for _, e := range placeCodeErrors {
		if strings.Contains(reason, e.phrase) {
			if e.key == "checkin.err_not_place" && strings.HasPrefix(code, hcode.PlacePrefix) {
				// A place code cut or mistyped: it is one, but unreadable.
				return r.Lang.T("checkin.err_unreadable")
			}
			return r.Lang.T(e.key)
		}
	}
	return reason
}
