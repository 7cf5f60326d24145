package http

import (
	"time"

	"github.com/healthcode/healthcode"
)

// appealResponse is an appeal as its citizen and staff see it.
type appealResponse struct {
	ID             int64                  `json:"id"`
	State          healthcode.AppealState `json:"state"`
	Reason         string                 `json:"reason"`
	ColourAtFiling healthcode.Colour      `json:"colour_at_filing"`
	CreatedAt      time.Time              `json:"created_at"`
	// The outcome, once decided.
	DecisionReason  string             `json:"decision_reason,omitempty"`
	CorrectedColour *healthcode.Colour `json:"corrected_colour,omitempty"`
	OverrideUntil   time.Time          `json:"override_until,omitzero"`
	DecidedAt       time.Time          `json:"decided_at,omitzero"`
}

func newAppealResponse(a *healthcode.Appeal) appealResponse {
	resp := appealResponse{ID: a.ID, State: a.State, Reason: a.Reason, ColourAtFiling: a.ColourAtFiling,
		CreatedAt: a.CreatedAt, DecisionReason: a.DecisionReason, OverrideUntil: a.OverrideUntil, DecidedAt: a.DecidedAt}
	if a.State == healthcode.AppealAccepted {
		c := a.CorrectedColour
		resp.CorrectedColour = &c
	}
	return resp
}

// staffAppealResponse adds who decided, for the staff's queue.
type staffAppealResponse struct {
	appealResponse
	DecidedBy string `json:"decided_by,omitempty"`
}

func newStaffAppealResponse(a *healthcode.Appeal) staffAppealResponse {
	return staffAppealResponse{appealResponse: newAppealResponse(a), DecidedBy: a.DecidedBy}
}
