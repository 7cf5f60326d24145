package http

import (
	"bufio"
	"encoding/csv"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// handleTraceGet answers a trace read by health staff: JSON, its
// exposures as CSV (?format=csv), or a report to read in a browser
// (?format=html, or an Accept that prefers HTML). Every format names
// people, so each is a read with a stated purpose (X-Purpose or
// ?purpose=) in the access log of everyone it lists.
func (s *Server) handleTraceGet(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.writeError(w, r, fieldError("id", "must be a positive whole number"))
		return
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "":
		format = "json"
		if prefersHTML(r.Header.Get("Accept")) {
			format = "html"
		}
		w.Header().Set("Vary", "Accept")
	case "json", "csv", "html":
	default:
		// Before the read: a request that gets nothing is not recorded.
		s.writeError(w, r, fieldError("format", "must be json, csv or html"))
		return
	}
	rep, err := s.Traces.ReadTrace(r.Context(), caller(r), id, requestPurpose(r, ""))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header()["Cache-Control"] = noStore
	switch format {
	case "json":
		writeJSON(w, http.StatusOK, traceReportResponse(rep))
	case "csv":
		writeTraceCSV(w, rep)
	case "html":
		s.writeTraceHTML(w, r, rep)
	}
}

// prefersHTML reports whether an Accept header ranks text/html above
// JSON, as a browser's does; API clients that send none or */* get JSON.
func prefersHTML(accept string) bool {
	html, json := -1.0, -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		switch mt {
		case "text/html", "application/xhtml+xml":
			html = max(html, q)
		case "application/json":
			json = max(json, q)
		}
	}
	return html > 0 && html > json
}

// writeTraceCSV writes one line per exposed person. Columns are only ever
// appended: spreadsheets and scripts read them by position.
func writeTraceCSV(w http.ResponseWriter, rep *healthcode.TraceReport) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="trace-`+strconv.FormatInt(rep.ID, 10)+`.csv"`)
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	cw.Write([]string{"degree", "person_id", "region", "subject", "case", "venue_id", "from", "to", "overlap_minutes", "exposed_at",
		"name", "id_number", "venue_name"})
	for _, e := range rep.Exposures {
		ref := personRef(e.VisitPerson, rep.People)
		person := ""
		if e.PersonID != 0 {
			person = strconv.FormatInt(e.PersonID, 10)
		}
		cw.Write([]string{e.Degree, person, ref.Region, ref.Subject, e.CaseRef, e.VenueID, e.From.Format(time.RFC3339),
			e.To.Format(time.RFC3339), strconv.FormatFloat(e.Overlap.Minutes(), 'f', 1, 64), e.ExposedAt.Format(time.RFC3339),
			csvText(ref.Name), ref.IDNumber, csvText(rep.VenueNames[e.VenueID])})
	}
	cw.Flush()
	bw.Flush()
}

// csvText keeps a free-text cell (a name a venue operator typed) from
// being run as a formula by the spreadsheet the file is opened in.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
