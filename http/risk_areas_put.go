package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
)

// maxRiskAreaBytes bounds a risk area list: room for tens of thousands of
// entries, unlike the small bodies of other requests.
const maxRiskAreaBytes = 8 << 20

// riskAreaJSON is one entry of the list on the wire.
type riskAreaJSON struct {
	Division string    `json:"division"`
	Area     string    `json:"area"`
	Level    string    `json:"level"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to,omitzero"`
}

// handleRiskAreasPut replaces the region's risk area list (a JSON array),
// marks the people whose stays it touches and starts their recompute.
func (s *Server) handleRiskAreasPut(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRiskAreaBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			err = healthcode.Errorf(healthcode.ETOOLARGE, "request body is larger than %d MiB", maxRiskAreaBytes>>20)
		} else {
			err = healthcode.Errorf(healthcode.EINVALID, "cannot read request body")
		}
		s.writeError(w, r, err)
		return
	}
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '[' {
		s.writeError(w, r, healthcode.Errorf(healthcode.EINVALID, "request body must be a JSON array of risk areas"))
		return
	}
	var in []riskAreaJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		s.writeError(w, r, decodeError(data, err))
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		s.writeError(w, r, healthcode.Errorf(healthcode.EINVALID, "unexpected data after the JSON array at byte offset %d", dec.InputOffset()))
		return
	}
	areas := make([]healthcode.RiskArea, len(in))
	for i, a := range in {
		areas[i] = healthcode.RiskArea{Division: a.Division, Area: a.Area, Level: healthcode.RiskLevel(a.Level), From: a.From, Until: a.To}
	}
	job, touched, err := s.RiskAreas.ChangeRiskAreas(r.Context(), areas)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"job_id": job.ID, "touched": touched})
}

// handleRiskAreasGet lists the region's risk areas.
func (s *Server) handleRiskAreasGet(w http.ResponseWriter, r *http.Request) {
	areas, err := s.RiskAreas.RiskAreas(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]riskAreaJSON, len(areas))
	for i, a := range areas {
		out[i] = riskAreaJSON{Division: a.Division, Area: a.Area, Level: string(a.Level), From: a.From, To: a.Until}
	}
	writeJSON(w, http.StatusOK, out)
}
