package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// The risk area list is edited as text, one area a line:
//
//	division,area,level,from,to
//
// as CSV (quote an area that holds a comma); from and to are dates
// (YYYY-MM-DD, midnight in China Standard Time) or RFC 3339 times, to
// left empty while the area is in force. Saving replaces the whole list.

type riskAreasData struct {
	Areas []healthcode.RiskArea
	Job   string
}

func (h *Handler) riskAreasView(r *request, v *view) error {
	areas, err := h.RiskAreas.RiskAreas(r.Context())
	if err != nil {
		return err
	}
	slices.SortStableFunc(areas, func(a, b healthcode.RiskArea) int { return strings.Compare(a.Division, b.Division) })
	if v.Form == nil {
		v.Form = url.Values{"areas": {riskAreasText(areas)}}
	}
	v.Data = riskAreasData{Areas: areas, Job: r.URL.Query().Get("job")}
	return nil
}

func (h *Handler) handleRiskAreas(w http.ResponseWriter, r *request) {
	v := &view{Title: "health.risk_title"}
	if err := h.riskAreasView(r, v); err != nil {
		h.renderErr(w, r, err)
		return
	}
	if q := r.URL.Query(); q.Get("job") != "" {
		v.Notice = r.Lang.T("health.risk_saved", q.Get("touched"))
	}
	h.render(w, r, http.StatusOK, "riskareas.html", v)
}

func (h *Handler) handleRiskAreasSubmit(w http.ResponseWriter, r *request) {
	r.ParseForm()
	v := &view{Title: "health.risk_title", Form: url.Values{"areas": {r.PostForm.Get("areas")}}}
	refuse := func(msg string) {
		if err := h.riskAreasView(r, v); err != nil {
			h.renderErr(w, r, err)
			return
		}
		v.Errors = map[string]string{"areas": msg}
		h.render(w, r, http.StatusBadRequest, "riskareas.html", v)
	}
	areas, err := parseRiskAreas(r.PostForm.Get("areas"))
	if err != nil {
		var le *riskLineError
		if errors.As(err, &le) {
			refuse(r.Lang.T("health.risk_err.line", le.Line, r.Lang.T(riskProblemKeys[le.Problem])))
		} else {
			refuse(err.Error())
		}
		return
	}
	if len(areas) == 0 && r.PostForm.Get("clear") != "1" {
		// An emptied box clears every area and re-evaluates everyone who
		// stayed in one: said in so many words, not done on a stray click.
		held, err := h.RiskAreas.RiskAreas(r.Context())
		if err != nil {
			h.renderErr(w, r, err)
			return
		}
		if len(held) > 0 {
			refuse(r.Lang.T("health.risk_err.clear", len(held)))
			return
		}
	}
	job, touched, err := h.RiskAreas.ChangeRiskAreas(r.Context(), areas)
	if err != nil {
		if fields := healthcode.ErrorFields(err); len(fields) > 0 {
			refuse(h.lineErrors(r, fields))
			return
		}
		if healthcode.ErrorCode(err) == healthcode.EINVALID {
			refuse(healthcode.ErrorMessage(err))
			return
		}
		h.renderErr(w, r, err)
		return
	}
	h.redirect(w, r.Request, "/health/risk-areas?job="+strconv.FormatInt(job.ID, 10)+"&touched="+strconv.FormatInt(touched, 10))
}

// riskAreasText writes the list as the form edits it.
func riskAreasText(areas []healthcode.RiskArea) string {
	var sb strings.Builder
	cw := csv.NewWriter(&sb)
	for _, a := range areas {
		to := ""
		if !a.Until.IsZero() {
			to = riskTime(a.Until)
		}
		cw.Write([]string{a.Division, a.Area, string(a.Level), riskTime(a.From), to})
	}
	cw.Flush()
	return sb.String()
}

// riskTime writes a date when the time is a midnight in China, else the
// whole time.
func riskTime(t time.Time) string {
	t = t.In(zone)
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}

// riskLineError is a line of the form's text that cannot be read.
type riskLineError struct {
	Line    int
	Problem string // csv, columns, from or to
}

// riskProblemKeys are the catalog keys of the problems of a line.
var riskProblemKeys = map[string]string{
	"csv":     "health.risk_err.csv",
	"columns": "health.risk_err.columns",
	"from":    "health.risk_err.from",
	"to":      "health.risk_err.to",
}

// riskColumnKeys are the catalog keys of the fields of an area.
var riskColumnKeys = map[string]string{
	"division": "health.risk_col.division",
	"area":     "health.risk_col.area",
	"level":    "health.risk_col.level",
	"from":     "health.risk_col.from",
	"to":       "health.risk_col.to",
}

func (e *riskLineError) Error() string {
	return fmt.Sprintf("line %d: %s", e.Line, riskProblems[e.Problem])
}

// riskProblems are the problems of a line, in English (for the log).
var riskProblems = map[string]string{
	"csv":     "not valid CSV",
	"columns": "division,area,level,from,to (to may be empty)",
	"from":    "from: a date YYYY-MM-DD or an RFC 3339 time",
	"to":      "to: a date YYYY-MM-DD, an RFC 3339 time or empty",
}

// parseRiskAreas reads the form's text; blank lines and lines starting
// with # are skipped. A line it cannot read is a *riskLineError.
func parseRiskAreas(text string) ([]healthcode.RiskArea, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	areas := []healthcode.RiskArea{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return areas, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &riskLineError{pe.Line, "csv"}
			}
			return nil, err
		}
		if len(rec) < 4 || len(rec) > 5 {
			return nil, &riskLineError{line, "columns"}
		}
		a := healthcode.RiskArea{Division: strings.TrimSpace(rec[0]), Area: strings.TrimSpace(rec[1]),
			Level: healthcode.RiskLevel(strings.ToLower(strings.TrimSpace(rec[2])))}
		if a.From, err = parseRiskTime(rec[3]); err != nil || a.From.IsZero() {
			return nil, &riskLineError{line, "from"}
		}
		if len(rec) == 5 {
			if a.Until, err = parseRiskTime(rec[4]); err != nil {
				return nil, &riskLineError{line, "to"}
			}
		}
		areas = append(areas, a)
	}
}

func parseRiskTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, zone); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// lineErrors turns the service's "[3].level" field errors into areas of
// the text (the list as posted, counting only area lines), each field and
// reason in the page's language.
func (h *Handler) lineErrors(r *request, fields map[string]string) string {
	var msgs []string
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		reason := fields[f]
		if key, ok := reasonKeys[strings.TrimPrefix(reason, healthcode.EINVALID+": ")]; ok {
			reason = r.Lang.T(key)
		}
		msg := f + ": " + reason
		if rest, ok := strings.CutPrefix(f, "["); ok {
			if i, field, ok := strings.Cut(rest, "]."); ok {
				if n, err := strconv.Atoi(i); err == nil {
					if key, ok := riskColumnKeys[field]; ok {
						field = r.Lang.T(key)
					}
					msg = r.Lang.T("health.risk_err.area", n+1, field, reason)
				}
			}
		}
		msgs = append(msgs, msg)
	}
	return strings.Join(msgs, " ") // each reason is a sentence
}
