package http

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/healthcode/healthcode"
)

// handleTraceGet answers a trace: JSON, or its exposures as CSV with
// ?format=csv.
func (s *Server) handleTraceGet(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.writeError(w, r, fieldError("id", "must be a positive whole number"))
		return
	}
	t, err := s.Traces.FindTrace(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, traceResponse(t))
	case "csv":
		writeTraceCSV(w, t)
	default:
		s.writeError(w, r, fieldError("format", "must be json or csv"))
	}
}

// writeTraceCSV writes one line per exposed person.
func writeTraceCSV(w http.ResponseWriter, t *healthcode.Trace) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="trace-`+strconv.FormatInt(t.ID, 10)+`.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"degree", "person_id", "region", "subject", "case", "venue_id", "from", "to", "overlap_minutes", "exposed_at"})
	for _, e := range traceResponse(t).Exposures {
		person := ""
		if e.PersonID != 0 {
			person = strconv.FormatInt(e.PersonID, 10)
		}
		cw.Write([]string{e.Degree, person, e.Region, e.Subject, e.Case, e.VenueID, e.From.Format(time.RFC3339),
			e.To.Format(time.RFC3339), strconv.FormatFloat(e.OverlapMin, 'f', 1, 64), e.ExposedAt.Format(time.RFC3339)})
	}
	cw.Flush()
}
