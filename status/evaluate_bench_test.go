package status

import (
	"fmt"
	"testing"

	"github.com/healthcode/healthcode"
)

// facts100 is a person with 100 records across every kind, the size the
// engine must judge in under 20 µs, plus the region's risk areas.
func facts100() *healthcode.Facts {
	f := &healthcode.Facts{}
	for i := range 30 { // a test every other day, one positive long ago
		r := healthcode.Negative
		if i == 3 {
			r = healthcode.Positive
		}
		f.Tests = append(f.Tests, healthcode.Test{SampledAt: at(-days(float64(2 * i))), Result: r})
	}
	for i := range 3 {
		f.Vaccinations = append(f.Vaccinations, healthcode.Vaccination{Dose: i + 1, At: at(-days(float64(300 - 60*i)))})
	}
	f.Cases = append(f.Cases, healthcode.Case{Kind: healthcode.CaseAsymptomatic, DiagnosedAt: at(-days(50)), ClosedAt: at(-days(40))})
	for i, k := range []healthcode.ContactKind{healthcode.ContactClose, healthcode.ContactSecondary, healthcode.ContactCompanion, healthcode.ContactSecondary, healthcode.ContactCompanion} {
		f.Contacts = append(f.Contacts, healthcode.Contact{Kind: k, ExposedAt: at(-days(float64(3 + 9*i)))})
	}
	for i, k := range []healthcode.QuarantineKind{healthcode.QuarantineCentralised, healthcode.QuarantineHome, healthcode.QuarantineHomeMonitoring} {
		from := at(-days(float64(40 - 10*i)))
		f.Quarantines = append(f.Quarantines, healthcode.Quarantine{Kind: k, From: from, Until: from.Add(7 * day)})
	}
	for i := range 24 {
		div := fmt.Sprintf("3%d01%02d", i%5, i%7)
		f.Travel = append(f.Travel, healthcode.Travel{Division: div, From: at(-days(float64(i + 1))), To: at(-days(float64(i)))})
	}
	for i := range 12 {
		f.DrugPurchases = append(f.DrugPurchases, healthcode.DrugPurchase{Class: healthcode.DrugClasses[i%4], At: at(-days(float64(5 * i)))})
	}
	for i := range 8 {
		f.RemoteStatuses = append(f.RemoteStatuses, healthcode.RemoteStatus{
			Region: fmt.Sprintf("CN-3%d0100", i%3), Colour: healthcode.Colour(i % 3), At: at(-days(float64(3 * i))),
		})
	}
	for i := range 14 { // one declaration a day, each with a stay
		f.Declarations = append(f.Declarations, declare(-days(float64(i)), func(d *healthcode.Declaration) {
			d.Temperature = ptr(36.5 + float64(i%4)*0.3)
			d.Symptoms = []healthcode.Symptom{"fatigue", "dry_cough"}[:i%3%2+1]
			d.FeverMedicine = i == 5
			d.Places = []healthcode.Stay{{Division: fmt.Sprintf("3%d0106", i%5), From: at(-days(float64(i + 2))), To: at(-days(float64(i)))}}
		}))
	}
	for i := range 10 {
		f.RiskAreas = append(f.RiskAreas, healthcode.RiskArea{
			Division: fmt.Sprintf("3%d01%02d", i%5, i), Level: []healthcode.RiskLevel{healthcode.RiskHigh, healthcode.RiskMedium}[i%2],
			From: at(-days(float64(20 + i))), Until: at(-days(float64(i))),
		})
	}
	return f
}

func TestFacts100(t *testing.T) {
	f := facts100()
	n := len(f.Tests) + len(f.Vaccinations) + len(f.Cases) + len(f.Contacts) + len(f.Quarantines) +
		len(f.Travel) + len(f.DrugPurchases) + len(f.RemoteStatuses) + len(f.Declarations)
	if n != 100 {
		t.Fatalf("facts100 has %d records, want 100", n)
	}
	if s := Evaluate(f, DefaultPolicy(), at(0)); len(s.Reasons) < 5 {
		t.Errorf("facts100 gives only %v: the benchmark would not exercise the engine", codes(s))
	}
}

func BenchmarkEvaluate100(b *testing.B) {
	f, p, now := facts100(), DefaultPolicy(), at(0)
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(f, p, now)
	}
}
