package node

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// Declaration limits.
const (
	minTemperature   = 34.0 // °C; below is a measuring error
	maxTemperature   = 43.0
	declarationDays  = 14 // places stayed in the last 14 days
	maxPlaces        = 50
	clockSkewAllowed = 5 * time.Minute
)

// validateDeclaration checks d as made at now. Field names are the JSON
// names of the API.
func validateDeclaration(d *healthcode.Declaration, now time.Time) error {
	var fe healthcode.FieldErrors
	if t := d.Temperature; t != nil {
		if math.IsNaN(*t) || *t < minTemperature || *t > maxTemperature {
			fe.Add("temperature", fmt.Sprintf("must be between %.1f and %.1f °C", minTemperature, maxTemperature))
		}
	}
	seen := map[healthcode.Symptom]bool{}
	for i, s := range d.Symptoms {
		field := fmt.Sprintf("symptoms[%d]", i)
		switch {
		case !s.Valid():
			fe.Add(field, "unknown symptom: must be one of fever, fatigue, dry_cough, sputum, headache, sore_throat, short_breath, chest_tightness, conjunctival_congestion, diarrhoea, taste_smell_loss")
		case seen[s]:
			fe.Add(field, "listed twice")
		}
		seen[s] = true
	}
	switch d.CaseContact {
	case healthcode.ContactYes, healthcode.ContactNo, healthcode.ContactUnsure:
	case "":
		fe.Add("case_contact", "required: yes, no or unsure")
	default:
		fe.Add("case_contact", "must be yes, no or unsure")
	}
	if len(d.Places) > maxPlaces {
		fe.Add("places", fmt.Sprintf("at most %d places", maxPlaces))
	}
	earliest := now.AddDate(0, 0, -declarationDays)
	for i, p := range d.Places {
		f := fmt.Sprintf("places[%d].", i)
		if !idnum.ValidDivision(p.Division) {
			fe.Add(f+"division", "must be a six-digit GB/T 2260 division code")
		}
		switch {
		case p.From.IsZero():
			fe.Add(f+"from", "required")
		case p.From.After(now.Add(clockSkewAllowed)):
			fe.Add(f+"from", "must not be in the future")
		}
		switch {
		case p.To.IsZero():
			fe.Add(f+"to", "required")
		case p.To.Before(p.From):
			fe.Add(f+"to", "must not be before from")
		case p.To.Before(earliest):
			fe.Add(f+"to", "must be within the last 14 days")
		}
	}
	d.ReturnToWork = strings.TrimSpace(d.ReturnToWork)
	if utf8.RuneCountInString(d.ReturnToWork) > 100 || !printable(d.ReturnToWork) {
		fe.Add("return_to_work.employer", "at most 100 printable characters")
	}
	return fe.Err()
}
