package http

import (
	"time"

	"github.com/healthcode/healthcode"
)

// orgRequest creates an organisation.
type orgRequest struct {
	Kind            string `json:"kind"`
	Name            string `json:"name"`
	Division        string `json:"division"`
	TestWindowHours int    `json:"test_window_hours"`
	Webhook         string `json:"webhook"`
}

func (req *orgRequest) org() *healthcode.Org {
	return &healthcode.Org{Kind: req.Kind, Name: req.Name, Division: req.Division,
		TestWindow: time.Duration(req.TestWindowHours) * time.Hour, Webhook: req.Webhook}
}

// orgUpdateRequest changes what it names of an organisation.
type orgUpdateRequest struct {
	Name            *string `json:"name"`
	TestWindowHours *int    `json:"test_window_hours"`
	Webhook         *string `json:"webhook"`
}

// orgResponse is an organisation as the API shows it.
type orgResponse struct {
	ID              string    `json:"id"`
	Kind            string    `json:"kind"`
	Name            string    `json:"name"`
	Division        string    `json:"division"`
	TestWindowHours int       `json:"test_window_hours"`
	Webhook         string    `json:"webhook"`
	CreatedAt       time.Time `json:"created_at"`
}

func newOrgResponse(o *healthcode.Org) orgResponse {
	return orgResponse{ID: o.ID, Kind: o.Kind, Name: o.Name, Division: o.Division,
		TestWindowHours: int(o.TestWindow / time.Hour), Webhook: o.Webhook, CreatedAt: o.CreatedAt}
}

// memberResponse is one member as a manager sees them, and only this.
type memberResponse struct {
	ID                 int64              `json:"id"`
	Name               string             `json:"name"`
	IDNumber           string             `json:"id_number"`
	Unit               string             `json:"unit"`
	Registered         bool               `json:"registered"`
	Colour             *healthcode.Colour `json:"colour"`
	ActionRequired     bool               `json:"action_required"`
	TestedWithinWindow bool               `json:"tested_within_window"`
	Doses              int                `json:"doses"`
}

type memberPageResponse struct {
	OrgID   string           `json:"org_id"`
	Members []memberResponse `json:"members"`
	// Next is the after of the next page; absent on the last.
	Next int64 `json:"next,omitempty"`
}

func newMemberPageResponse(p *healthcode.MemberPage) memberPageResponse {
	resp := memberPageResponse{OrgID: p.OrgID, Members: make([]memberResponse, len(p.Members)), Next: p.Next}
	for i, m := range p.Members {
		resp.Members[i] = memberResponse{ID: m.ID, Name: m.Name, IDNumber: m.IDNumber, Unit: m.Unit, Registered: m.Registered,
			Colour: m.Colour, ActionRequired: m.ActionRequired, TestedWithinWindow: m.TestedWithinWindow, Doses: m.Doses}
	}
	return resp
}

// membershipResponse is an organisation a citizen belongs to.
type membershipResponse struct {
	OrgID    string    `json:"org_id"`
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`
	Unit     string    `json:"unit"`
	Source   string    `json:"source"`
	JoinedAt time.Time `json:"joined_at"`
}

func newMembershipResponse(m *healthcode.Membership) membershipResponse {
	return membershipResponse{OrgID: m.OrgID, Name: m.OrgName, Kind: m.Kind, Unit: m.Unit, Source: m.Source, JoinedAt: m.JoinedAt}
}
