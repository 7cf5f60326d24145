package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/healthcode/healthcode"
)

type accessLogResponse struct {
	Entries []accessEntryResponse `json:"entries"`
	// NextBefore pages on: pass it as ?before= for older entries; absent
	// on the last page.
	NextBefore int64 `json:"next_before,omitempty"`
}

type accessEntryResponse struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Who     string          `json:"who"`
	Role    healthcode.Role `json:"role"`
	What    string          `json:"what"`
	Purpose string          `json:"purpose"`
}

// who names the reader as the person sees it: staff by name, devices and
// peers by what they are and their name.
func who(e *healthcode.AuditEntry) string {
	var kind string
	switch e.Role {
	case healthcode.RoleCheckpoint, healthcode.RoleVenue:
		kind = "device"
	case healthcode.RolePeer:
		kind = "peer"
	default:
		if e.Actor == "" {
			return string(e.Role) + " staff"
		}
		return e.Actor
	}
	if e.Actor == "" {
		return kind
	}
	return kind + ": " + e.Actor
}

// handleAccessLog answers the reads of the caller's data by staff, devices
// and peers, newest first.
func (s *Server) handleAccessLog(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 20, 1, 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 1 {
			s.writeError(w, r, fieldError("before", "must be an entry id from next_before"))
			return
		}
	}
	es, err := s.Audit.AccessLog(r.Context(), caller(r).PersonID, before, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := accessLogResponse{Entries: make([]accessEntryResponse, 0, len(es))}
	for _, e := range es {
		resp.Entries = append(resp.Entries, accessEntryResponse{ID: e.ID, At: e.At, Who: who(e), Role: e.Role, What: e.What, Purpose: e.Purpose})
	}
	if len(es) == limit {
		resp.NextBefore = es[len(es)-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
}
