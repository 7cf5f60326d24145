package http

import (
	"time"

	"github.com/healthcode/healthcode"
)

// The JSON of health checks: what a teacher enters, what a class and a
// school view show, a citizen's own check-ins and a community's view.

type classCheckRequest struct {
	Unit    string              `json:"unit"`
	Session string              `json:"session"`
	Date    string              `json:"date"`
	Entries []checkEntryRequest `json:"entries"`
}

type checkEntryRequest struct {
	MemberID     int64                `json:"member_id"`
	Temperature  *float64             `json:"temperature"`
	Symptoms     []healthcode.Symptom `json:"symptoms"`
	Absent       bool                 `json:"absent"`
	AbsentReason string               `json:"absent_reason"`
}

type classCheckResponse struct {
	OrgID   string `json:"org_id"`
	Unit    string `json:"unit"`
	Session string `json:"session"`
	Date    string `json:"date"`
	Stored  int    `json:"stored"`
	Fever   int    `json:"fever"`
}

type classViewResponse struct {
	OrgID    string                 `json:"org_id"`
	Unit     string                 `json:"unit"`
	Session  string                 `json:"session"`
	Date     string                 `json:"date"`
	Students []studentCheckResponse `json:"students"`
}

type studentCheckResponse struct {
	MemberID     int64                `json:"member_id"`
	Name         string               `json:"name"` // masked
	State        string               `json:"state"`
	Temperature  *float64             `json:"temperature,omitempty"`
	Symptoms     []healthcode.Symptom `json:"symptoms,omitempty"`
	AbsentReason string               `json:"absent_reason,omitempty"`
}

func newClassViewResponse(v *healthcode.ClassView) classViewResponse {
	resp := classViewResponse{OrgID: v.OrgID, Unit: v.Unit, Session: v.Session, Date: v.Date,
		Students: make([]studentCheckResponse, len(v.Students))}
	for i, s := range v.Students {
		resp.Students[i] = studentCheckResponse{MemberID: s.MemberID, Name: s.Name, State: s.State,
			Temperature: s.Temperature, Symptoms: s.Symptoms, AbsentReason: s.AbsentReason}
	}
	return resp
}

type classSummaryResponse struct {
	Unit       string         `json:"unit,omitempty"`
	Students   int            `json:"students"`
	Checked    int            `json:"checked"`
	Fever      int            `json:"fever"`
	Absent     int            `json:"absent"`
	AbsentBy   map[string]int `json:"absent_by_reason"`
	NotChecked int            `json:"not_checked"`
}

type schoolSummaryResponse struct {
	OrgID   string                 `json:"org_id"`
	Session string                 `json:"session"`
	Date    string                 `json:"date"`
	Classes []classSummaryResponse `json:"classes"`
	Total   classSummaryResponse   `json:"total"`
}

func newClassSummaryResponse(c *healthcode.ClassSummary) classSummaryResponse {
	return classSummaryResponse{Unit: c.Unit, Students: c.Students, Checked: c.Checked, Fever: c.Fever,
		Absent: c.Absent, AbsentBy: c.AbsentBy, NotChecked: c.NotChecked}
}

func newSchoolSummaryResponse(s *healthcode.SchoolSummary) schoolSummaryResponse {
	resp := schoolSummaryResponse{OrgID: s.OrgID, Session: s.Session, Date: s.Date,
		Classes: make([]classSummaryResponse, len(s.Classes)), Total: newClassSummaryResponse(&s.Total)}
	for i := range s.Classes {
		resp.Classes[i] = newClassSummaryResponse(&s.Classes[i])
	}
	return resp
}

type checkInRequest struct {
	Temperature *float64             `json:"temperature"`
	Symptoms    []healthcode.Symptom `json:"symptoms"`
}

// checkInResponse is a check-in as its own person sees it: a school's
// check names the school and class too.
type checkInResponse struct {
	Date         string               `json:"date"`
	Session      string               `json:"session"`
	CheckedAt    time.Time            `json:"checked_at"`
	Temperature  *float64             `json:"temperature,omitempty"`
	Symptoms     []healthcode.Symptom `json:"symptoms"`
	Absent       bool                 `json:"absent,omitempty"`
	AbsentReason string               `json:"absent_reason,omitempty"`
}

func newCheckInResponse(c *healthcode.HealthCheck) checkInResponse {
	symptoms := c.Symptoms
	if symptoms == nil {
		symptoms = []healthcode.Symptom{}
	}
	return checkInResponse{Date: c.Date, Session: c.Session, CheckedAt: c.CheckedAt.UTC(), Temperature: c.Temperature,
		Symptoms: symptoms, Absent: c.Absent, AbsentReason: c.AbsentReason}
}

type checkInCreated struct {
	CheckIn checkInResponse `json:"check_in"`
	Status  statusResponse  `json:"status"`
}

type checkInList struct {
	CheckIns []checkInResponse `json:"check_ins"`
}

// communityCheckInsResponse is what a community sees: who is under home
// quarantine or monitoring, and whether they checked in; nothing else.
type communityCheckInsResponse struct {
	OrgID   string                     `json:"org_id"`
	Date    string                     `json:"date"`
	Missing int                        `json:"missing"`
	Members []communityCheckInResponse `json:"members"`
}

type communityCheckInResponse struct {
	MemberID   int64      `json:"member_id"`
	Name       string     `json:"name"` // masked
	Unit       string     `json:"unit"`
	Kind       string     `json:"kind"`
	Until      *time.Time `json:"until"` // null: open-ended
	CheckedIn  bool       `json:"checked_in"`
	Missing    bool       `json:"missing"`
	MissedDays int        `json:"missed_days"`
	Fever      bool       `json:"fever"`
}

func newCommunityCheckInsResponse(v *healthcode.CommunityCheckIns) communityCheckInsResponse {
	resp := communityCheckInsResponse{OrgID: v.OrgID, Date: v.Date, Missing: v.Missing,
		Members: make([]communityCheckInResponse, len(v.Members))}
	for i, m := range v.Members {
		e := communityCheckInResponse{MemberID: m.MemberID, Name: m.Name, Unit: m.Unit, Kind: string(m.Kind),
			CheckedIn: m.CheckedIn, Missing: !m.CheckedIn, MissedDays: m.MissedDays, Fever: m.Fever}
		if !m.Until.IsZero() {
			u := m.Until.UTC()
			e.Until = &u
		}
		resp.Members[i] = e
	}
	return resp
}
