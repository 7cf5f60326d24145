package http

import (
	"fmt"
	"time"

	"github.com/healthcode/healthcode"
)

// regionZone is the zone a date without a time is read in: every region is
// in China Standard Time.
var regionZone = time.FixedZone("CST", 8*60*60)

// declarationRequest is the body of POST /api/v1/me/declarations.
type declarationRequest struct {
	Temperature   *float64             `json:"temperature"`
	Symptoms      []healthcode.Symptom `json:"symptoms"`
	FeverMedicine bool                 `json:"fever_medicine"`
	CaseContact   string               `json:"case_contact"`
	Places        []stayRequest        `json:"places"`
	ReturnToWork  *returnToWork        `json:"return_to_work"`
}

// stayRequest takes times as strings so that a bad date can be named by its
// field (`places[0].from`), which encoding/json cannot do.
type stayRequest struct {
	Division string `json:"division"`
	From     string `json:"from"`
	To       string `json:"to"`
}

type returnToWork struct {
	Employer string `json:"employer"`
}

// declaration converts the request; only the date syntax is checked here,
// the service checks the meaning.
func (d *declarationRequest) declaration() (*healthcode.Declaration, error) {
	decl := &healthcode.Declaration{
		Temperature:   d.Temperature,
		Symptoms:      d.Symptoms,
		FeverMedicine: d.FeverMedicine,
		CaseContact:   d.CaseContact,
	}
	if d.ReturnToWork != nil {
		decl.ReturnToWork = d.ReturnToWork.Employer
	}
	var fe healthcode.FieldErrors
	for i, p := range d.Places {
		from, ok := parseTime(p.From, false)
		if !ok {
			fe.Add(fmt.Sprintf("places[%d].from", i), badTime)
		}
		to, ok := parseTime(p.To, true)
		if !ok {
			fe.Add(fmt.Sprintf("places[%d].to", i), badTime)
		}
		decl.Places = append(decl.Places, healthcode.Stay{Division: p.Division, From: from, To: to})
	}
	return decl, fe.Err()
}

const badTime = "must be an RFC 3339 time or a YYYY-MM-DD date"

// parseTime reads an RFC 3339 time or a YYYY-MM-DD date in the region's
// zone. A date that ends a stay means the whole day, so it is read as the
// next midnight. An empty string is the zero time, left to the service to
// refuse if it is required.
func parseTime(s string, end bool) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	t, err := time.ParseInLocation(time.DateOnly, s, regionZone)
	if err != nil {
		return time.Time{}, false
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, true
}

// declarationResponse is a declaration as the API shows it.
type declarationResponse struct {
	ID            int64                `json:"id"`
	Temperature   *float64             `json:"temperature"`
	Symptoms      []healthcode.Symptom `json:"symptoms"`
	FeverMedicine bool                 `json:"fever_medicine"`
	CaseContact   string               `json:"case_contact"`
	Places        []healthcode.Stay    `json:"places"`
	ReturnToWork  *returnToWork        `json:"return_to_work,omitempty"`
	CreatedAt     time.Time            `json:"created_at"`
}

func newDeclarationResponse(d *healthcode.Declaration) declarationResponse {
	resp := declarationResponse{
		ID:            d.ID,
		Temperature:   d.Temperature,
		Symptoms:      d.Symptoms,
		FeverMedicine: d.FeverMedicine,
		CaseContact:   d.CaseContact,
		Places:        d.Places,
		CreatedAt:     d.CreatedAt,
	}
	if resp.Symptoms == nil {
		resp.Symptoms = []healthcode.Symptom{}
	}
	if resp.Places == nil {
		resp.Places = []healthcode.Stay{}
	}
	if d.ReturnToWork != "" {
		resp.ReturnToWork = &returnToWork{Employer: d.ReturnToWork}
	}
	return resp
}
