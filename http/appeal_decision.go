package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/healthcode/healthcode"
)

// decisionRequest is the body of POST /api/v1/appeals/{id}/decision.
type decisionRequest struct {
	Accept  *bool  `json:"accept"`
	Colour  string `json:"colour"`
	Until   string `json:"until"` // RFC 3339; empty: until new records arrive
	Reason  string `json:"reason"`
	Purpose string `json:"purpose"` // or the X-Purpose header
}

// decision converts the request; the service checks the meaning.
func (d *decisionRequest) decision(id int64) (*healthcode.AppealDecision, error) {
	var fe healthcode.FieldErrors
	dec := &healthcode.AppealDecision{AppealID: id, Reason: d.Reason}
	if d.Accept == nil {
		fe.Add("accept", "required: true to accept, false to reject")
	} else {
		dec.Accept = *d.Accept
	}
	switch {
	case dec.Accept && d.Colour == "":
		fe.Add("colour", "required when accepting: the corrected colour, green, yellow or red")
	case dec.Accept:
		c, err := healthcode.ParseColour(d.Colour)
		if err != nil {
			fe.Add("colour", "must be green, yellow or red")
		}
		dec.Colour = c
	case d.Colour != "":
		fe.Add("colour", "only an accepted appeal has a corrected colour")
	}
	if d.Until != "" {
		t, err := time.Parse(time.RFC3339, d.Until)
		if err != nil {
			fe.Add("until", "must be an RFC 3339 time, e.g. 2026-11-22T18:00:00+08:00")
		}
		dec.Until = t
	}
	return dec, fe.Err()
}

// handleAppealDecision accepts or rejects a pending appeal.
func (s *Server) handleAppealDecision(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.writeError(w, r, fieldError("id", "must be an appeal id"))
		return
	}
	var req decisionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := req.decision(id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Appeals.Decide(r.Context(), caller(r), d, requestPurpose(r, req.Purpose))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newStaffAppealResponse(a))
}
