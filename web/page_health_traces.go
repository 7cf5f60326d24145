package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// exposuresShown is how many exposures the page lists; the full report
// (HTML or CSV, the API's) has them all.
const exposuresShown = 200

type tracesData struct {
	IDTypes []healthcode.IDType
}

// handleTraces shows the form that starts a trace of one case.
func (h *Handler) handleTraces(w http.ResponseWriter, r *request) {
	h.render(w, r, http.StatusOK, "traces.html", &view{Title: "health.traces_title",
		Form: url.Values{"id_type": {string(healthcode.IDResident)}}, Data: tracesData{IDTypes: healthcode.IDTypes}})
}

// handleTraceStart starts a trace of the case's visits from the scan log
// and goes to its page.
func (h *Handler) handleTraceStart(w http.ResponseWriter, r *request) {
	r.ParseForm()
	f := r.PostForm
	v := &view{Title: "health.traces_title", Form: url.Values{"id_type": {f.Get("id_type")}, "id_number": {f.Get("id_number")},
		"from": {f.Get("from")}, "to": {f.Get("to")}}}
	data := tracesData{IDTypes: healthcode.IDTypes}
	c := healthcode.TraceCase{IDType: healthcode.IDType(f.Get("id_type")), IDNumber: strings.TrimSpace(f.Get("id_number"))}
	errs := map[string]string{}
	now := h.Now()
	// The document is checked as 人员查询 checks it: a number that no
	// document can have finds nobody and is refused beside its field.
	if c.IDType.Valid() {
		if n, err := idnum.ValidateDocument(c.IDType, c.IDNumber, now); err != nil {
			errs["id_number"] = h.reason(r, healthcode.ErrorMessage(err), "fielderr.id_number")
		} else {
			c.IDNumber = n
		}
	}
	var err error
	if c.From, err = pageDate(f.Get("from")); err != nil {
		errs["from"] = r.Lang.T("fielderr.date")
	} else if c.From.After(now) {
		errs["from"] = r.Lang.T("fielderr.future")
	}
	if c.To, err = pageDate(f.Get("to")); err != nil {
		errs["to"] = r.Lang.T("fielderr.date")
	} else if !c.To.IsZero() {
		c.To = c.To.Add(24 * time.Hour) // to the end of that day
	}
	if len(errs) > 0 {
		v.Errors, v.Data = errs, data
		h.render(w, r, http.StatusBadRequest, "traces.html", v)
		return
	}
	t, err := h.Traces.StartTrace(r.Context(), []healthcode.TraceCase{c})
	if err != nil {
		// The service names the fields of its one case "cases[0].…".
		if fields, ok := h.fieldErrors(r, err); ok {
			for k, msg := range fields {
				errs[strings.TrimPrefix(k, "cases[0].")] = msg
			}
			v.Errors, v.Data = errs, data
			h.render(w, r, http.StatusBadRequest, "traces.html", v)
			return
		}
		h.formError(w, r, v, err, "id_number", "traces.html", data)
		return
	}
	h.redirect(w, r.Request, "/health/traces/"+strconv.FormatInt(t.ID, 10))
}

// pageDate reads a date input (China Standard Time), zero when empty.
func pageDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(time.DateOnly, s, zone)
}

type degreeCount struct {
	Degree string
	Count  int
}

type exposureView struct {
	Degree, Name, IDNumber, Venue string
	From, To, ExposedAt           time.Time
	Overlap                       string
}

type traceData struct {
	Trace     *healthcode.Trace
	Running   bool
	Purpose   string
	Report    bool
	Degrees   []degreeCount
	Exposures []exposureView
	More      int
	Visits    int
	ReportURL string
	CSVURL    string
	Applied   *healthcode.ImportSummary
}

// handleTrace shows a trace: its progress while it runs (no one is named,
// nothing is recorded), then, with a stated purpose, its findings with
// the masked identities: a read in the access log of everyone listed.
func (h *Handler) handleTrace(w http.ResponseWriter, r *request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	purpose := strings.TrimSpace(r.URL.Query().Get("purpose"))
	v := &view{Title: "health.trace_title", Form: url.Values{"purpose": {purpose}}}
	if r.URL.Query().Has("purpose") && purpose == "" {
		// The form was sent without one: say so beside it.
		v.Errors = map[string]string{"purpose": r.Lang.T("fielderr.required")}
	}
	h.renderTrace(w, r, v, id, purpose, nil)
}

func (h *Handler) renderTrace(w http.ResponseWriter, r *request, v *view, id int64, purpose string, applied *healthcode.ImportSummary) {
	t, err := h.Traces.FindTrace(r.Context(), id)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	d := traceData{Trace: t, Running: t.State == healthcode.JobQueued || t.State == healthcode.JobRunning, Purpose: purpose, Applied: applied}
	if purpose != "" && !d.Running {
		rep, err := h.Traces.ReadTrace(r.Context(), r.Caller, id, purpose)
		if err != nil {
			if fields, ok := h.fieldErrors(r, err); ok {
				v.Errors = fields
				v.Data = d
				h.render(w, r, http.StatusBadRequest, "trace.html", v)
				return
			}
			h.renderErr(w, r, err)
			return
		}
		d.Report, d.Visits = true, len(rep.Visits)
		counts := map[string]int{}
		for i := range rep.Exposures {
			e := &rep.Exposures[i]
			counts[e.Degree]++
			if len(d.Exposures) >= exposuresShown {
				d.More++
				continue
			}
			ev := exposureView{Degree: e.Degree, Name: r.Lang.T("health.visitor"), IDNumber: "—", Venue: e.VenueID,
				From: e.From, To: e.To, ExposedAt: e.ExposedAt, Overlap: strconv.FormatFloat(float64(int64(e.Overlap.Minutes()*10))/10, 'f', -1, 64)}
			if e.PersonID != 0 {
				if m, ok := rep.People[e.PersonID]; ok {
					ev.Name, ev.IDNumber = m.Name, m.IDNumber
				} else {
					ev.Name = r.Lang.T("health.no_profile")
				}
			}
			if n := rep.VenueNames[e.VenueID]; n != "" {
				ev.Venue = n + " (" + e.VenueID + ")"
			}
			d.Exposures = append(d.Exposures, ev)
		}
		for _, deg := range []string{healthcode.DegreeClose, healthcode.DegreeSecondary, healthcode.DegreeCompanion} {
			d.Degrees = append(d.Degrees, degreeCount{Degree: deg, Count: counts[deg]})
		}
		q := url.Values{"purpose": {purpose}}
		base := "/api/v1/traces/" + strconv.FormatInt(id, 10)
		q.Set("format", "html")
		d.ReportURL = base + "?" + q.Encode()
		q.Set("format", "csv")
		d.CSVURL = base + "?" + q.Encode()
	}
	v.Data = d
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusBadRequest
	}
	h.render(w, r, status, "trace.html", v)
}

// handleTraceApply turns a finished trace's findings into contacts
// records; applying twice changes nothing.
func (h *Handler) handleTraceApply(w http.ResponseWriter, r *request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	sum, err := h.Traces.ApplyTrace(r.Context(), id)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	purpose := strings.TrimSpace(r.PostForm.Get("purpose"))
	v := &view{Title: "health.trace_title", Form: url.Values{"purpose": {purpose}}, Notice: r.Lang.T("health.trace_applied", sum.Accepted+sum.Corrected)}
	h.renderTrace(w, r, v, id, purpose, sum)
}
