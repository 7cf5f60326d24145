package http

import (
	"net/http"
	"strconv"

	"github.com/healthcode/healthcode"
)

// traceRequest is one case ({"id_type","id_number","from","to"}) or an
// outbreak ({"cases":[…]}).
type traceRequest struct {
	healthcode.TraceCase
	Cases []healthcode.TraceCase `json:"cases"`
}

// maxTraceBytes bounds a trace request: room for an outbreak of
// thousands of cases.
const maxTraceBytes = 4 << 20

// handleTraceCreate starts a trace and answers 202 with its id; the
// findings are read with GET /api/v1/traces/{id}.
func (s *Server) handleTraceCreate(w http.ResponseWriter, r *http.Request) {
	var req traceRequest
	if err := decodeJSONUpTo(w, r, &req, maxTraceBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	cases := req.Cases
	if len(cases) == 0 {
		if req.IDType == "" {
			req.IDType = healthcode.IDResident
		}
		cases = []healthcode.TraceCase{req.TraceCase}
	}
	t, err := s.Traces.StartTrace(r.Context(), cases)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/traces/"+strconv.FormatInt(t.ID, 10))
	writeJSON(w, http.StatusAccepted, traceResponse(t))
}
