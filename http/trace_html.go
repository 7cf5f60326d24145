package http

import (
	"bufio"
	"embed"
	"encoding/hex"
	"html/template"
	"iter"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/healthcode/healthcode"
)

// The trace report is rendered on the server: staff open it in a browser
// or print it, with nothing loaded from elsewhere and no script.
//
//go:embed templates/trace_report.html
var traceTemplates embed.FS

var traceReportTemplate = template.Must(template.ParseFS(traceTemplates, "templates/trace_report.html"))

// reportCSP lets the page use its own inline style and nothing else.
var reportCSP = []string{"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"}

// traceView is what the report template shows. Exposure rows are made as
// the template reaches them, so a trace of 100,000 exposures is written
// out as it is rendered rather than built as a second copy first.
type traceView struct {
	ID                         int64
	State                      string
	Running                    bool
	Error                      string
	Created, Finished, Applied string
	Offset                     string // of the times shown, "+08:00"
	Cases, Unresolved, Done    int
	Visits                     []visitRow
	Groups                     []exposureGroup
}

type visitRow struct {
	Name, IDNumber, Who, Venue, Kind, Stay string
	Estimated                              bool
}

type exposureGroup struct {
	Degree, Title, Local string
	Count                int
	Rows                 iter.Seq[exposureRow]
}

type exposureRow struct {
	Name, IDNumber, Who, Venue, Stay, Overlap, ExposedAt, Case string
}

// degreeTitles are the degrees as the report writes them, strongest
// first: the tables are told apart by words, not by colour.
var degreeTitles = []struct{ degree, title, local string }{
	{healthcode.DegreeClose, "Close contacts", "密接"},
	{healthcode.DegreeSecondary, "Secondary contacts", "次密接"},
	{healthcode.DegreeCompanion, "Companions", "时空伴随者"},
}

// writeTraceHTML renders the report through a buffer straight to w.
func (s *Server) writeTraceHTML(w http.ResponseWriter, r *http.Request, rep *healthcode.TraceReport) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h["Content-Security-Policy"] = reportCSP
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	err := traceReportTemplate.Execute(bw, newTraceView(rep))
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		// The status is sent; a client that went away is all this can be.
		s.Logger.LogAttrs(r.Context(), slog.LevelWarn, "trace report not written",
			slog.Int64("trace", rep.ID), slog.String("error", err.Error()))
	}
}

func newTraceView(rep *healthcode.TraceReport) *traceView {
	t := rep.Trace
	v := &traceView{ID: t.ID, State: t.State, Error: t.Error, Cases: len(t.Cases), Unresolved: t.Unresolved, Done: t.CasesDone,
		Running: t.State == healthcode.JobQueued || t.State == healthcode.JobRunning,
		Offset:  "+08:00", Created: reportTime(t.CreatedAt), Finished: reportTime(t.FinishedAt), Applied: reportTime(t.AppliedAt)}
	v.Visits = make([]visitRow, len(t.Visits))
	for i, x := range t.Visits {
		name, idNumber := reportPerson(rep, x.VisitPerson)
		v.Visits[i] = visitRow{Name: name, IDNumber: idNumber, Who: reportWho(x.VisitPerson),
			Venue: reportVenue(rep, x.VenueID), Kind: x.VenueKind, Stay: reportSpan(x.From, x.To), Estimated: x.Estimated}
	}
	// One pass sorts the exposures into their degrees, by index.
	byDegree := map[string][]int32{}
	for i := range t.Exposures {
		d := t.Exposures[i].Degree
		byDegree[d] = append(byDegree[d], int32(i))
	}
	for _, d := range degreeTitles {
		v.Groups = append(v.Groups, exposureGroup{Degree: d.degree, Title: d.title, Local: d.local,
			Count: len(byDegree[d.degree]), Rows: exposureRows(rep, byDegree[d.degree])})
		delete(byDegree, d.degree)
	}
	for _, d := range slices.Sorted(maps.Keys(byDegree)) { // degrees this report does not know yet
		v.Groups = append(v.Groups, exposureGroup{Degree: d, Title: "Degree " + d, Local: d,
			Count: len(byDegree[d]), Rows: exposureRows(rep, byDegree[d])})
	}
	return v
}

func exposureRows(rep *healthcode.TraceReport, idx []int32) iter.Seq[exposureRow] {
	return func(yield func(exposureRow) bool) {
		for _, i := range idx {
			e := &rep.Exposures[i]
			name, idNumber := reportPerson(rep, e.VisitPerson)
			row := exposureRow{Name: name, IDNumber: idNumber, Who: reportWho(e.VisitPerson), Venue: reportVenue(rep, e.VenueID),
				Stay: reportSpan(e.From, e.To), Overlap: reportMinutes(e.Overlap), ExposedAt: reportTime(e.ExposedAt), Case: e.CaseRef}
			if !yield(row) {
				return
			}
		}
	}
}

// reportPerson is the masked name and document of a person of this
// region; a visitor's identity is their own region's to show.
func reportPerson(rep *healthcode.TraceReport, p healthcode.VisitPerson) (name, idNumber string) {
	if p.PersonID == 0 {
		return "visitor", "—"
	}
	m, ok := rep.People[p.PersonID]
	if !ok {
		return "no profile", "—"
	}
	return m.Name, m.IDNumber
}

// reportWho names a person by id here, else by region and the start of
// their pseudonym, enough to tell visitors apart on a page.
func reportWho(p healthcode.VisitPerson) string {
	if p.PersonID != 0 {
		return strconv.FormatInt(p.PersonID, 10)
	}
	short := hex.EncodeToString(p.Subject[:min(4, len(p.Subject))])
	if len(p.Subject) > 4 {
		short += "…"
	}
	return p.Region + " " + short
}

func reportVenue(rep *healthcode.TraceReport, id string) string {
	if name := rep.VenueNames[id]; name != "" {
		return name + " (" + id + ")"
	}
	return id
}

// reportLayout is how the report writes a time, in reportZone: China
// Standard Time, the one time of every region (the store keeps UTC).
const reportLayout = "2006-01-02 15:04"

var reportZone = time.FixedZone("CST", 8*3600)

func reportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(reportZone).Format(reportLayout)
}

// reportSpan writes a stay; one within a day gives its date once.
func reportSpan(from, to time.Time) string {
	from, to = from.In(reportZone), to.In(reportZone)
	fy, fm, fd := from.Date()
	ty, tm, td := to.Date()
	_, fo := from.Zone()
	_, to2 := to.Zone()
	if fy == ty && fm == tm && fd == td && fo == to2 {
		return from.Format(reportLayout) + "–" + to.Format("15:04")
	}
	return from.Format(reportLayout) + " – " + to.Format(reportLayout)
}

// reportMinutes writes an overlap cut to a tenth of a minute: rounding
// 14.96 up to 15 would read as past the close-contact threshold.
func reportMinutes(d time.Duration) string {
	return strconv.FormatFloat(math.Floor(d.Minutes()*10)/10, 'f', -1, 64)
}
