package http

import (
	"time"

	"github.com/healthcode/healthcode"
)

// resumptionApplicationResponse is an application to resume work.
type resumptionApplicationResponse struct {
	ID            int64     `json:"id"`
	OrgID         string    `json:"org_id"`
	OrgName       string    `json:"org_name"`
	State         string    `json:"state"`
	AppliedAt     time.Time `json:"applied_at"`
	AppliedBy     string    `json:"applied_by"`
	Members       int       `json:"members"`
	Ready         int       `json:"ready"`
	Share         float64   `json:"share"`
	EvaluatedAt   time.Time `json:"evaluated_at,omitzero"`
	ApprovedAt    time.Time `json:"approved_at,omitzero"`
	ApprovedShare float64   `json:"approved_share,omitempty"`
}

func newResumptionApplicationResponse(a *healthcode.ResumptionApplication) *resumptionApplicationResponse {
	if a == nil {
		return nil
	}
	return &resumptionApplicationResponse{ID: a.ID, OrgID: a.OrgID, OrgName: a.OrgName, State: a.State,
		AppliedAt: a.AppliedAt, AppliedBy: a.AppliedBy, Members: a.Members, Ready: a.Ready, Share: a.Share(),
		EvaluatedAt: a.EvaluatedAt, ApprovedAt: a.ApprovedAt, ApprovedShare: a.ApprovedShare}
}

// resumptionMemberResponse is one member as the employer sees them: a
// masked name, the unit, and whether they may return, why not in colour
// terms only.
type resumptionMemberResponse struct {
	MemberID  int64  `json:"member_id"`
	Name      string `json:"name"`
	Unit      string `json:"unit"`
	MayReturn bool   `json:"may_return"`
	Why       string `json:"why,omitempty"`
}

// resumptionResponse is an employer's application with the figures it is
// judged on and, when read, who may return.
type resumptionResponse struct {
	OrgID       string                         `json:"org_id"`
	State       string                         `json:"state"` // "none" before the employer applies
	Application *resumptionApplicationResponse `json:"application"`
	Threshold   float64                        `json:"threshold"`
	// TestWindowHours is the organisation's window for a negative test.
	TestWindowHours float64                    `json:"test_window_hours"`
	Members         int                        `json:"members"`
	Ready           int                        `json:"ready"`
	Share           float64                    `json:"share"`
	AsOf            time.Time                  `json:"as_of"`
	People          []resumptionMemberResponse `json:"people,omitempty"`
}

func newResumptionResponse(r *healthcode.ResumptionReport) resumptionResponse {
	resp := resumptionResponse{OrgID: r.OrgID, State: "none", Application: newResumptionApplicationResponse(r.Application),
		Threshold: r.Threshold, TestWindowHours: r.TestWindow.Hours(), Members: r.Members, Ready: r.Ready,
		Share: r.Share(), AsOf: r.AsOf}
	if r.Application != nil {
		resp.State = r.Application.State
	}
	if r.People != nil {
		resp.People = make([]resumptionMemberResponse, len(r.People))
		for i, m := range r.People {
			resp.People[i] = resumptionMemberResponse{MemberID: m.MemberID, Name: m.Name, Unit: m.Unit, MayReturn: m.MayReturn, Why: m.Why}
		}
	}
	return resp
}

// resumptionThresholdJSON is the threshold on the wire.
type resumptionThresholdJSON struct {
	Share     float64   `json:"share"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// returneeResponse is one returnee as the community sees them.
type returneeResponse struct {
	MemberID      int64     `json:"member_id"`
	Name          string    `json:"name"`
	Unit          string    `json:"unit"`
	ReturnedAt    time.Time `json:"returned_at"`
	DaysRemaining int       `json:"days_remaining"`
	FromDivision  string    `json:"from_division"`
}
