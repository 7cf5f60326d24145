package http

import (
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
)

// ownRecordsResponse is GET /api/v1/me/records: the caller's own records,
// each kind newest first. A contact never names its case.
type ownRecordsResponse struct {
	Tests         []ownTest         `json:"tests"`
	Vaccinations  []ownVaccination  `json:"vaccinations"`
	Cases         []ownCase         `json:"cases"`
	Contacts      []ownContact      `json:"contacts"`
	Quarantines   []ownQuarantine   `json:"quarantines"`
	Travel        []ownTravel       `json:"travel"`
	DrugPurchases []ownDrugPurchase `json:"drug_purchases"`
	Scans         []ownScan         `json:"scans"`
}

type ownScan struct {
	VenueID   string    `json:"venue_id"`
	Source    string    `json:"source"`
	Direction string    `json:"direction"`
	Verdict   string    `json:"verdict"`
	Reasons   []string  `json:"reasons,omitempty"`
	At        time.Time `json:"at"`
}

type ownTest struct {
	SampledAt  time.Time `json:"sampled_at"`
	ReportedAt time.Time `json:"reported_at,omitzero"`
	Result     string    `json:"result"` // "negative" or "positive"
	Method     string    `json:"method,omitempty"`
	Pooled     bool      `json:"pooled"`
	Lab        string    `json:"lab,omitempty"`
}

type ownVaccination struct {
	Product string    `json:"product"`
	Dose    int       `json:"dose"`
	At      time.Time `json:"at"`
}

type ownCase struct {
	Kind        healthcode.CaseKind   `json:"kind"`
	Status      healthcode.CaseStatus `json:"status"`
	DiagnosedAt time.Time             `json:"diagnosed_at"`
	ClosedAt    time.Time             `json:"closed_at,omitzero"`
}

type ownContact struct {
	Degree    healthcode.ContactKind `json:"degree"`
	ExposedAt time.Time              `json:"exposed_at"` // last exposure
	ClearedAt time.Time              `json:"cleared_at,omitzero"`
}

type ownQuarantine struct {
	Kind  healthcode.QuarantineKind `json:"kind"`
	From  time.Time                 `json:"from"`
	Until time.Time                 `json:"until,omitzero"`
}

type ownTravel struct {
	Division string    `json:"division"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to,omitzero"`
}

type ownDrugPurchase struct {
	Class   string    `json:"class"`
	At      time.Time `json:"at"`
	VenueID string    `json:"venue_id,omitempty"`
}

// handleRecordsGet answers the caller's own records (tests, doses, cases,
// contacts, quarantines, travel, drug purchases) and the scans of their
// code here, newest first.
func (s *Server) handleRecordsGet(w http.ResponseWriter, r *http.Request) {
	rec, err := s.Citizens.Records(r.Context(), caller(r).PersonID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newOwnRecordsResponse(rec))
}

func newOwnRecordsResponse(rec *healthcode.OwnRecords) ownRecordsResponse {
	resp := ownRecordsResponse{
		Tests:         make([]ownTest, 0, len(rec.Tests)),
		Vaccinations:  make([]ownVaccination, 0, len(rec.Vaccinations)),
		Cases:         make([]ownCase, 0, len(rec.Cases)),
		Contacts:      make([]ownContact, 0, len(rec.Contacts)),
		Quarantines:   make([]ownQuarantine, 0, len(rec.Quarantines)),
		Travel:        make([]ownTravel, 0, len(rec.Travel)),
		DrugPurchases: make([]ownDrugPurchase, 0, len(rec.DrugPurchases)),
		Scans:         make([]ownScan, 0, len(rec.Scans)),
	}
	for _, t := range rec.Tests {
		result := "negative"
		if t.Result == healthcode.Positive {
			result = "positive"
		}
		resp.Tests = append(resp.Tests, ownTest{SampledAt: t.SampledAt, ReportedAt: t.ReportedAt, Result: result,
			Method: t.Method, Pooled: t.Pooled, Lab: t.Lab})
	}
	for _, v := range rec.Vaccinations {
		resp.Vaccinations = append(resp.Vaccinations, ownVaccination{Product: v.Product, Dose: v.Dose, At: v.At})
	}
	for _, c := range rec.Cases {
		resp.Cases = append(resp.Cases, ownCase{Kind: c.Kind, Status: c.Status, DiagnosedAt: c.DiagnosedAt, ClosedAt: c.ClosedAt})
	}
	for _, c := range rec.Contacts {
		resp.Contacts = append(resp.Contacts, ownContact{Degree: c.Kind, ExposedAt: c.ExposedAt, ClearedAt: c.ClearedAt})
	}
	for _, q := range rec.Quarantines {
		resp.Quarantines = append(resp.Quarantines, ownQuarantine{Kind: q.Kind, From: q.From, Until: q.Until})
	}
	for _, t := range rec.Travel {
		resp.Travel = append(resp.Travel, ownTravel{Division: t.Division, From: t.From, To: t.To})
	}
	for _, p := range rec.DrugPurchases {
		resp.DrugPurchases = append(resp.DrugPurchases, ownDrugPurchase{Class: p.Class, At: p.At, VenueID: p.VenueID})
	}
	for _, sc := range rec.Scans {
		resp.Scans = append(resp.Scans, ownScan{VenueID: sc.VenueID, Source: sc.Source, Direction: sc.Direction,
			Verdict: sc.Verdict, Reasons: sc.Reasons, At: sc.At})
	}
	return resp
}
