package http

import (
	"encoding/hex"
	"time"

	"github.com/healthcode/healthcode"
)

// traceJSON is a trace on the wire. People are named by their person id
// when of this region, else by region and pseudonym; a read (ReadTrace)
// adds the masked name and document number of the people of this region
// and the venues' names, never the plain ones.
type traceJSON struct {
	ID         int64          `json:"id"`
	State      string         `json:"state"`
	Cases      int            `json:"cases"`
	Unresolved int            `json:"unresolved"`
	CasesDone  int            `json:"cases_done"`
	CreatedAt  time.Time      `json:"created_at"`
	FinishedAt time.Time      `json:"finished_at,omitzero"`
	AppliedAt  time.Time      `json:"applied_at,omitzero"`
	Error      string         `json:"error,omitempty"`
	Visits     []visitJSON    `json:"visits"`
	Exposures  []exposureJSON `json:"exposures"`
}

type personRefJSON struct {
	PersonID int64  `json:"person_id,omitempty"`
	Region   string `json:"region"`
	Subject  string `json:"subject"` // hex
	// Masked, for people of this region with a profile.
	Name     string `json:"name,omitempty"`
	IDNumber string `json:"id_number,omitempty"`
}

type visitJSON struct {
	personRefJSON
	VenueID   string    `json:"venue_id"`
	VenueName string    `json:"venue_name,omitempty"`
	VenueKind string    `json:"venue_kind"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Estimated bool      `json:"estimated,omitempty"`
}

type exposureJSON struct {
	personRefJSON
	Degree     string    `json:"degree"`
	Case       string    `json:"case"`
	VenueID    string    `json:"venue_id"`
	VenueName  string    `json:"venue_name,omitempty"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	OverlapMin float64   `json:"overlap_minutes"`
	ExposedAt  time.Time `json:"exposed_at"`
}

func personRef(p healthcode.VisitPerson, people map[int64]healthcode.MaskedPerson) personRefJSON {
	ref := personRefJSON{PersonID: p.PersonID, Region: p.Region, Subject: hex.EncodeToString(p.Subject)}
	if m, ok := people[p.PersonID]; ok && p.PersonID != 0 {
		ref.Name, ref.IDNumber = m.Name, m.IDNumber
	}
	return ref
}

// traceResponse is a trace as tracing returns it: no names.
func traceResponse(t *healthcode.Trace) traceJSON {
	return traceReportResponse(&healthcode.TraceReport{Trace: t})
}

// traceReportResponse is a trace as staff read it, with masked names and
// venue names.
func traceReportResponse(r *healthcode.TraceReport) traceJSON {
	t := r.Trace
	out := traceJSON{ID: t.ID, State: t.State, Cases: len(t.Cases), Unresolved: t.Unresolved, CasesDone: t.CasesDone, CreatedAt: t.CreatedAt,
		FinishedAt: t.FinishedAt, AppliedAt: t.AppliedAt, Error: t.Error,
		Visits: make([]visitJSON, 0, len(t.Visits)), Exposures: make([]exposureJSON, 0, len(t.Exposures))}
	for _, v := range t.Visits {
		out.Visits = append(out.Visits, visitJSON{personRef(v.VisitPerson, r.People), v.VenueID, r.VenueNames[v.VenueID],
			v.VenueKind, v.From, v.To, v.Estimated})
	}
	for _, e := range t.Exposures {
		out.Exposures = append(out.Exposures, exposureJSON{personRef(e.VisitPerson, r.People), e.Degree, e.CaseRef, e.VenueID,
			r.VenueNames[e.VenueID], e.From, e.To, e.Overlap.Minutes(), e.ExposedAt})
	}
	return out
}
