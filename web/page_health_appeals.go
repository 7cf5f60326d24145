package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// appealsQueued is how many pending appeals the queue shows at once.
const appealsQueued = 50

type appealQueueData struct {
	Purpose string
	Cases   []*healthcode.AppealCase
	Asked   bool  // a purpose was given and the queue read
	Failed  int64 // the appeal whose decision was refused
	Colours []string
}

// decideForm is what the form deciding one appeal shows: the page's view
// (the refused form's values and reasons when Mine), the appeal, the
// colours and the purpose to fill in.
type decideForm struct {
	V       *view
	ID      int64
	Mine    bool
	Colours []string
	Purpose string
}

// Form is the decision form of appeal id on the page.
func (d appealQueueData) Form(v *view, id int64, mine bool) decideForm {
	return decideForm{V: v, ID: id, Mine: mine, Colours: d.Colours, Purpose: d.Purpose}
}

// handleAppealQueue lists the pending appeals, oldest first. Each one
// shows a person, so the queue is read with a stated purpose (asked
// first), which goes into each listed person's access log.
func (h *Handler) handleAppealQueue(w http.ResponseWriter, r *request) {
	purpose := strings.TrimSpace(r.URL.Query().Get("purpose"))
	v := &view{Title: "health.appeals_title", Form: url.Values{"purpose": {purpose}}}
	if id := r.URL.Query().Get("decided"); id != "" {
		v.Notice = r.Lang.T("health.appeal_decided", id)
	}
	if r.URL.Query().Has("purpose") && purpose == "" {
		// The form was sent without one: say so beside it.
		v.Errors = map[string]string{"purpose": r.Lang.T("fielderr.required")}
		h.renderQueue(w, r, v, purpose, http.StatusBadRequest)
		return
	}
	h.renderQueue(w, r, v, purpose, http.StatusOK)
}

func (h *Handler) renderQueue(w http.ResponseWriter, r *request, v *view, purpose string, status int) {
	data := appealQueueData{Purpose: purpose, Colours: colourNames}
	if purpose != "" {
		cases, err := h.Appeals.Queue(r.Context(), r.Caller, healthcode.AppealPending, appealsQueued, purpose)
		if err != nil {
			if fields, ok := h.fieldErrors(r, err); ok && fields["purpose"] != "" {
				v.Errors = map[string]string{"purpose": fields["purpose"]}
				v.Data = data
				h.render(w, r, http.StatusBadRequest, "appealqueue.html", v)
				return
			}
			h.renderErr(w, r, err)
			return
		}
		data.Cases, data.Asked = cases, true
	}
	v.Data = data
	h.render(w, r, status, "appealqueue.html", v)
}

// handleAppealDecide accepts or rejects one pending appeal.
func (h *Handler) handleAppealDecide(w http.ResponseWriter, r *request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	f := r.PostForm
	purpose := strings.TrimSpace(f.Get("purpose"))
	d := &healthcode.AppealDecision{AppealID: id, Accept: f.Get("decision") == "accept", Reason: f.Get("reason")}
	v := &view{Title: "health.appeals_title", Form: url.Values{"purpose": {purpose}, "decision": {f.Get("decision")},
		"colour": {f.Get("colour")}, "until": {f.Get("until")}, "reason": {f.Get("reason")}}}
	errs := map[string]string{}
	switch f.Get("decision") {
	case "accept":
		c, ok := map[string]healthcode.Colour{"green": healthcode.Green, "yellow": healthcode.Yellow, "red": healthcode.Red}[f.Get("colour")]
		if !ok {
			errs["colour"] = r.Lang.T("fielderr.required")
		}
		d.Colour = c
	case "reject":
	default:
		errs["decision"] = r.Lang.T("fielderr.required")
	}
	if u := strings.TrimSpace(f.Get("until")); u != "" {
		t, err := time.ParseInLocation(time.DateOnly, u, zone)
		if err != nil {
			errs["until"] = r.Lang.T("fielderr.date")
		}
		d.Until = t
	}
	if len(errs) == 0 {
		if _, err := h.Appeals.Decide(r.Context(), r.Caller, d, purpose); err != nil {
			if fields, ok := h.fieldErrors(r, err); ok {
				errs = fields
			} else {
				v.Error = h.message(r, err)
				if healthcode.ErrorCode(err) == healthcode.EINTERNAL {
					h.renderErr(w, r, err)
					return
				}
			}
		} else {
			h.redirect(w, r.Request, "/health/appeals?purpose="+url.QueryEscape(purpose)+"&decided="+strconv.FormatInt(id, 10))
			return
		}
	}
	v.Errors = errs
	// The refused form is shown alone, as typed: reading the queue again
	// would list every pending person once more in their access log for
	// a decision not made.
	v.Data = appealQueueData{Purpose: purpose, Failed: id, Colours: colourNames}
	h.render(w, r, http.StatusBadRequest, "appealqueue.html", v)
}
