package web

import (
	"html/template"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

type hourScansRow struct {
	Hour           time.Time
	Passed, Denied int64
}

type healthData struct {
	At             time.Time
	People         int64
	Colours        []countRow
	ActionRequired int64
	Hours          []hourScansRow
	HoursChart     template.HTML
	Passed, Denied int64
	EntryColours   []countRow
	ColourChart    template.HTML
	Busiest        []healthcode.VenueCount
	Denials        []countRow
	History        []historyRow
	HistoryChart   template.HTML
}

// historyRow is the colours held at the end of a day: its last counted
// hour.
type historyRow struct {
	Day, Hour                 time.Time
	Green, Yellow, Red, Total int64
	ActionRequired            int64
}

// handleHealth is the health authority's dashboard: the colours people
// hold now, the last 24 hours' scans per hour, the busiest venues and the
// denials.
func (h *Handler) handleHealth(w http.ResponseWriter, r *request) {
	o, err := h.Overview.Region(r.Context(), r.Caller)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	d := healthData{At: o.At, ActionRequired: o.ActionRequired, Busiest: o.Busiest}
	d.Colours = colourRows(r, o.Colours)
	for _, row := range d.Colours {
		d.People += row.Count
	}
	bars := make([]chartBar, 0, len(o.ScansPerHour))
	for _, hs := range o.ScansPerHour {
		d.Hours = append(d.Hours, hourScansRow{Hour: hs.Hour, Passed: hs.Passed, Denied: hs.Denied})
		d.Passed += hs.Passed
		d.Denied += hs.Denied
		t := hs.Hour.In(zone)
		bars = append(bars, chartBar{Label: t.Format("15:00"), Value: hs.Passed, Stack: hs.Denied, StackFill: fillDeny, Tick: t.Hour()%6 == 0})
	}
	d.HoursChart = barChart("chart-scans", r.Lang.T("health.chart_scans"), r.Lang.T("health.chart_scans_desc", d.Passed, d.Denied), bars)
	d.EntryColours = colourRows(r, o.EntryColours)
	d.ColourChart = barChart("chart-entry-colours", r.Lang.T("health.chart_colours"), colourDesc(r, d.EntryColours), colourBars(d.EntryColours))
	d.Denials = denialRows(r, o.Denials)
	d.History = historyRows(o.ColourHistory)
	d.HistoryChart = historyChart(r, d.History)
	h.render(w, r, http.StatusOK, "health.html", &view{Title: "health.title", Data: d})
}

type jobData struct {
	Job     *healthcode.Job
	Running bool
	Percent int
	// Reason is the job's stored reason in words; Origin links to the
	// page it came from, when the viewer may open it.
	Reason string
	Origin *navLink
}

// jobReasons read the reasons the node stores with a job, in English
// ("import tests", "trace 5 applied"): the catalog key of its words, and
// the page it came from ("" for none), with $1 standing for the pattern's
// match.
var jobReasons = []struct {
	re                  *regexp.Regexp
	key, path, linkText string
}{
	{regexp.MustCompile(`^import ([a-z_]+)$`), "health.job_reason.import", "/health/imports", "health.imports_nav"},
	{regexp.MustCompile(`^risk areas changed$`), "health.job_reason.risk_areas", "/health/risk-areas", "health.risk_nav"},
	{regexp.MustCompile(`^trace ([0-9]+) applied$`), "health.job_reason.trace", "/health/traces/$1", "health.job_trace_link"},
	{regexp.MustCompile(`^schedule$`), "health.job_reason.schedule", "", ""},
	{regexp.MustCompile(`^hub batches$`), "health.job_reason.hub", "", ""},
	{regexp.MustCompile(`^policy (.+)$`), "health.job_reason.policy", "", ""},
}

// jobReason says a job's reason in the page's language, with a link to
// the page it came from if the viewer's role may open that page; a reason
// of no known pattern is shown as stored.
func (h *Handler) jobReason(r *request, reason string) (string, *navLink) {
	for _, jr := range jobReasons {
		m := jr.re.FindStringSubmatch(reason)
		if m == nil {
			continue
		}
		var arg any
		if len(m) > 1 {
			arg = m[1]
			if jr.key == "health.job_reason.import" {
				if !healthcode.ValidRecordKind(m[1]) {
					continue
				}
				arg = r.Lang.T("health.kind" + "." + m[1]) // a record kind, checked just above
			}
		}
		text := r.Lang.T(jr.key)
		if arg != nil {
			text = r.Lang.T(jr.key, arg)
		}
		if jr.path == "" {
			return text, nil
		}
		path := string(jr.re.ExpandString(nil, jr.path, reason, jr.re.FindStringSubmatchIndex(reason)))
		if r.Caller == nil || !h.mayOpen(r.Caller, path) {
			return text, nil
		}
		label := r.Lang.T(jr.linkText)
		if strings.Contains(jr.path, "$1") {
			label = r.Lang.T(jr.linkText, m[1]) // the page of one trace
		}
		return text, &navLink{Label: label, Path: path}
	}
	return reason, nil
}

// handleJob follows a background job (an import's or a risk area
// change's recompute); the page reloads itself while the job runs.
func (h *Handler) handleJob(w http.ResponseWriter, r *request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	j, err := h.Jobs.Job(r.Context(), id)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	d := jobData{Job: j, Running: j.State == healthcode.JobQueued || j.State == healthcode.JobRunning}
	d.Reason, d.Origin = h.jobReason(r, j.Reason)
	if j.Total > 0 {
		d.Percent = int(min(100, j.Done*100/j.Total))
	} else if j.State == healthcode.JobDone {
		d.Percent = 100
	}
	h.render(w, r, http.StatusOK, "job.html", &view{Title: "health.job_title", Data: d})
}

// historyRows keeps of each day (China Standard Time) its last counted
// hour, oldest first: the colours held at the day's end, or now today.
func historyRows(hs []healthcode.ColourHour) []historyRow {
	var rows []historyRow
	for _, h := range hs {
		t := h.Hour.In(zone)
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, zone)
		row := historyRow{Day: day, Hour: h.Hour, Green: h.Green, Yellow: h.Yellow, Red: h.Red,
			Total: h.Green + h.Yellow + h.Red, ActionRequired: h.ActionRequired}
		if n := len(rows); n > 0 && rows[n-1].Day.Equal(day) {
			rows[n-1] = row
		} else {
			rows = append(rows, row)
		}
	}
	return rows
}

// historyChart stacks green, yellow and red over the days, a label under
// every day (every other one past a week).
func historyChart(r *request, rows []historyRow) template.HTML {
	labels := make([]string, len(rows))
	green, yellow, red := make([]int64, len(rows)), make([]int64, len(rows)), make([]int64, len(rows))
	for i, h := range rows {
		if len(rows) <= 7 || (len(rows)-1-i)%2 == 0 {
			labels[i] = h.Day.Format("01-02")
		}
		green[i], yellow[i], red[i] = h.Green, h.Yellow, h.Red
	}
	desc := r.Lang.T("health.history_none")
	if n := len(rows); n > 0 {
		first, last := rows[0], rows[n-1]
		desc = r.Lang.T("health.history_desc", first.Day.Format(time.DateOnly), last.Day.Format(time.DateOnly),
			last.Green, last.Yellow, last.Red, last.ActionRequired)
	}
	return stackedAreaChart("chart-colour-history", r.Lang.T("health.history"), desc, labels, []areaSeries{
		{Fill: fillGreen, Values: green}, {Fill: fillYellow, Values: yellow}, {Fill: fillRed, Values: red}})
}
