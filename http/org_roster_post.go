package http

import (
	"net/http"
	"os"
)

// handleOrgRosterPost imports a roster file (text/csv or
// application/x-ndjson) for an organisation: its manager's (a unit's
// token: into that unit) or health staff's. The body is spooled first,
// as records files are, so a slow upload holds no transaction open.
func (s *Server) handleOrgRosterPost(w http.ResponseWriter, r *http.Request) {
	format, ok := uploadFormat(w, r)
	if !ok {
		return
	}
	// Refuse another organisation before reading the body.
	if _, err := s.Orgs.Org(r.Context(), caller(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := spool(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	sum, err := s.Orgs.ImportRoster(r.Context(), caller(r), r.PathValue("id"), format, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}
