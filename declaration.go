package healthcode

import "time"

// Symptom is one declared symptom (GB/T 38963).
type Symptom string

// Symptoms lists the accepted symptoms.
var Symptoms = []Symptom{
	"fever", "fatigue", "dry_cough", "sputum", "headache", "sore_throat",
	"short_breath", "chest_tightness", "conjunctival_congestion", "diarrhoea",
	"taste_smell_loss",
}

// Valid reports whether s is a known symptom.
func (s Symptom) Valid() bool {
	for _, v := range Symptoms {
		if s == v {
			return true
		}
	}
	return false
}

// Answers to "contact with a case".
const (
	ContactYes    = "yes"
	ContactNo     = "no"
	ContactUnsure = "unsure"
)

// Stay is a place stayed at, for the trip part of a declaration.
type Stay struct {
	Division string    `json:"division"` // GB/T 2260 six-digit code
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}

// Declaration is a health and trip declaration (GB/T 38963). One declaration
// serves the whole region until the person makes a new one; history is kept.
type Declaration struct {
	ID            int64
	PersonID      int64
	Temperature   *float64 // °C, nil when not measured
	Symptoms      []Symptom
	FeverMedicine bool   // took fever medicine in the last 72 hours
	CaseContact   string // ContactYes, ContactNo or ContactUnsure
	Places        []Stay // places stayed in the last 14 days
	ReturnToWork  string // employer the person returns to work at, "" if none
	// Findings is set when the region's policy counts something in the
	// declaration (fever, symptoms, contact, medicine). Such a declaration
	// stays among the person's facts however old it grows, because it only
	// stops counting once tests clear it; others drop out after 14 days.
	Findings  bool
	CreatedAt time.Time
}
