package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

// handleSchoolCheckEnter stores a class's morning or noon check (晨午检)
// as a teacher enters it: all entries or none.
func (s *Server) handleSchoolCheckEnter(w http.ResponseWriter, r *http.Request) {
	var req classCheckRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c := &healthcode.ClassCheck{OrgID: r.PathValue("id"), Unit: req.Unit, Session: req.Session, Date: req.Date,
		Entries: make([]healthcode.CheckEntry, len(req.Entries))}
	for i, e := range req.Entries {
		c.Entries[i] = healthcode.CheckEntry{MemberID: e.MemberID, Temperature: e.Temperature, Symptoms: e.Symptoms,
			Absent: e.Absent, AbsentReason: e.AbsentReason}
	}
	res, err := s.HealthChecks.EnterClassCheck(r.Context(), caller(r), c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, classCheckResponse{OrgID: c.OrgID, Unit: req.Unit, Session: req.Session,
		Date: res.Date, Stored: res.Stored, Fever: res.Fever})
}
