package status

import (
	"slices"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

var (
	cst = time.FixedZone("CST", 8*3600)
	t0  = time.Date(2022, 5, 1, 8, 0, 0, 0, cst) // when the fact behind a case happens
)

// at returns t0 plus a number of hours.
func at(hours float64) time.Time { return t0.Add(time.Duration(hours * float64(time.Hour))) }

func days(n float64) float64 { return n * 24 }

func ptr[T any](v T) *T { return &v }

func negative(hours float64) healthcode.Test {
	return healthcode.Test{SampledAt: at(hours), Result: healthcode.Negative}
}

func positive(hours float64) healthcode.Test {
	return healthcode.Test{SampledAt: at(hours), Result: healthcode.Positive}
}

func declare(hours float64, edit func(d *healthcode.Declaration)) healthcode.Declaration {
	d := healthcode.Declaration{CreatedAt: at(hours), CaseContact: healthcode.ContactNo}
	edit(&d)
	return d
}

var highRiskArea = healthcode.RiskArea{Division: "310100", Area: "上海市", Level: healthcode.RiskHigh, From: at(-days(30))}

func codes(s *healthcode.Status) []string {
	var c []string
	for _, r := range s.Reasons {
		c = append(c, r.Code)
	}
	return c
}

// TestEvaluateReasons covers every reason code: which facts give it, and
// which near misses do not.
func TestEvaluateReasons(t *testing.T) {
	tests := []struct {
		name   string
		facts  healthcode.Facts
		colour healthcode.Colour
		codes  []string
		action bool
	}{
		{"no facts", healthcode.Facts{}, healthcode.Green, nil, false},
		{"confirmed case", healthcode.Facts{Cases: []healthcode.Case{{Kind: healthcode.CaseConfirmed, DiagnosedAt: at(0)}}}, healthcode.Red, []string{CaseConfirmed}, false},
		{"suspected case", healthcode.Facts{Cases: []healthcode.Case{{Kind: healthcode.CaseSuspected, DiagnosedAt: at(0)}}}, healthcode.Red, []string{CaseSuspected}, false},
		{"asymptomatic case", healthcode.Facts{Cases: []healthcode.Case{{Kind: healthcode.CaseAsymptomatic, DiagnosedAt: at(0)}}}, healthcode.Red, []string{CaseAsymptomatic}, false},
		{"close contact", healthcode.Facts{Contacts: []healthcode.Contact{{Kind: healthcode.ContactClose, ExposedAt: at(0)}}}, healthcode.Red, []string{CloseContact}, false},
		{"secondary contact", healthcode.Facts{Contacts: []healthcode.Contact{{Kind: healthcode.ContactSecondary, ExposedAt: at(0)}}}, healthcode.Yellow, []string{SecondaryContact}, false},
		{"companion", healthcode.Facts{Contacts: []healthcode.Contact{{Kind: healthcode.ContactCompanion, ExposedAt: at(0)}}}, healthcode.Yellow, []string{Companion}, false},
		{"centralised quarantine", healthcode.Facts{Quarantines: []healthcode.Quarantine{{Kind: healthcode.QuarantineCentralised, From: at(0)}}}, healthcode.Red, []string{QuarantineCentralised}, false},
		{"home quarantine", healthcode.Facts{Quarantines: []healthcode.Quarantine{{Kind: healthcode.QuarantineHome, From: at(0), Until: at(days(7))}}}, healthcode.Yellow, []string{QuarantineHome}, false},
		{"home monitoring", healthcode.Facts{Quarantines: []healthcode.Quarantine{{Kind: healthcode.QuarantineHomeMonitoring, From: at(0)}}}, healthcode.Yellow, []string{HomeMonitoring}, false},
		{"positive test", healthcode.Facts{Tests: []healthcode.Test{negative(-24), positive(0)}}, healthcode.Red, []string{PositiveTest}, false},
		{"positive test after now ignored", healthcode.Facts{Tests: []healthcode.Test{positive(48)}}, healthcode.Green, nil, false},
		{"declared temperature at threshold", healthcode.Facts{Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) { d.Temperature = ptr(37.3) })}}, healthcode.Yellow, []string{DeclaredFever}, false},
		{"declared temperature below threshold", healthcode.Facts{Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) { d.Temperature = ptr(37.2) })}}, healthcode.Green, nil, false},
		{"declared symptom fever", healthcode.Facts{Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) { d.Symptoms = []healthcode.Symptom{"fever"} })}}, healthcode.Yellow, []string{DeclaredFever}, false},
		{"declared respiratory symptom", healthcode.Facts{Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) { d.Symptoms = []healthcode.Symptom{"headache", "dry_cough"} })}}, healthcode.Yellow, []string{DeclaredRespiratory}, false},
		{"declared other symptoms", healthcode.Facts{Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) { d.Symptoms = []healthcode.Symptom{"fatigue", "diarrhoea"} })}}, healthcode.Green, nil, false},
		{"declared case contact", healthcode.Facts{Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) { d.CaseContact = healthcode.ContactYes })}}, healthcode.Yellow, []string{DeclaredCaseContact}, false},
		{"declared unsure of case contact", healthcode.Facts{Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) { d.CaseContact = healthcode.ContactUnsure })}}, healthcode.Green, nil, false},
		{"declared stay in high-risk area", healthcode.Facts{RiskAreas: []healthcode.RiskArea{highRiskArea}, Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) {
			d.Places = []healthcode.Stay{{Division: "310104", From: at(-days(3)), To: at(-days(1))}}
		})}}, healthcode.Yellow, []string{HighRiskArea}, false},
		{"travel in high-risk area", healthcode.Facts{RiskAreas: []healthcode.RiskArea{highRiskArea}, Travel: []healthcode.Travel{{Division: "310104", From: at(-days(3)), To: at(-days(1))}}}, healthcode.Yellow, []string{HighRiskArea}, false},
		{"travel in another province", healthcode.Facts{RiskAreas: []healthcode.RiskArea{highRiskArea}, Travel: []healthcode.Travel{{Division: "320104", From: at(-days(3)), To: at(-days(1))}}}, healthcode.Green, nil, false},
		{"travel in a medium-risk area", healthcode.Facts{RiskAreas: []healthcode.RiskArea{{Division: "310104", Level: healthcode.RiskMedium, From: at(-days(30))}}, Travel: []healthcode.Travel{{Division: "310104", From: at(-days(3)), To: at(-days(1))}}}, healthcode.Green, nil, false},
		{"travel before the area became high-risk", healthcode.Facts{RiskAreas: []healthcode.RiskArea{{Division: "310104", Level: healthcode.RiskHigh, From: at(-days(1))}}, Travel: []healthcode.Travel{{Division: "310104", From: at(-days(3)), To: at(-days(2))}}}, healthcode.Green, nil, false},
		{"travel more than 7 days ago", healthcode.Facts{RiskAreas: []healthcode.RiskArea{highRiskArea}, Travel: []healthcode.Travel{{Division: "310104", From: at(-days(10)), To: at(-days(8))}}}, healthcode.Green, nil, false},
		{"remote red", healthcode.Facts{RemoteStatuses: []healthcode.RemoteStatus{{Region: "CN-310100", Colour: healthcode.Red, At: at(0)}}}, healthcode.Red, []string{RemoteRed}, false},
		{"remote yellow", healthcode.Facts{RemoteStatuses: []healthcode.RemoteStatus{{Region: "CN-310100", Colour: healthcode.Yellow, At: at(0)}}}, healthcode.Yellow, []string{RemoteYellow}, false},
		{"remote red replaced by green", healthcode.Facts{RemoteStatuses: []healthcode.RemoteStatus{
			{Region: "CN-310100", Colour: healthcode.Green, At: at(0)},
			{Region: "CN-310100", Colour: healthcode.Red, At: at(-days(3))},
		}}, healthcode.Green, nil, false},
		{"remote red past its until", healthcode.Facts{RemoteStatuses: []healthcode.RemoteStatus{{Region: "CN-310100", Colour: healthcode.Red, At: at(-days(3)), Until: at(-1)}}}, healthcode.Green, nil, false},
		{"drug purchase", healthcode.Facts{DrugPurchases: []healthcode.DrugPurchase{{Class: "antipyretic", At: at(0)}}}, healthcode.Green, []string{DrugPurchase}, true},
		{"drug purchase cleared by later negative", healthcode.Facts{DrugPurchases: []healthcode.DrugPurchase{{Class: "cough", At: at(0)}}, Tests: []healthcode.Test{negative(0.5)}}, healthcode.Green, nil, false},
		{"drug purchase not cleared by earlier negative", healthcode.Facts{DrugPurchases: []healthcode.DrugPurchase{{Class: "antiviral", At: at(0)}}, Tests: []healthcode.Test{negative(-5)}}, healthcode.Green, []string{DrugPurchase}, true},
		{"drug purchase of another class", healthcode.Facts{DrugPurchases: []healthcode.DrugPurchase{{Class: "vitamin", At: at(0)}}}, healthcode.Green, nil, false},
		{"fever medicine", healthcode.Facts{Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) { d.FeverMedicine = true })}}, healthcode.Green, []string{FeverMedicine}, true},
		{"fever medicine cleared", healthcode.Facts{Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) { d.FeverMedicine = true })}, Tests: []healthcode.Test{negative(0.5)}}, healthcode.Green, nil, false},
		{"action keeps the colour", healthcode.Facts{
			DrugPurchases: []healthcode.DrugPurchase{{Class: "antibiotic", At: at(0)}},
			Contacts:      []healthcode.Contact{{Kind: healthcode.ContactSecondary, ExposedAt: at(-5)}},
		}, healthcode.Yellow, []string{SecondaryContact, DrugPurchase}, true},
		{"worst first", healthcode.Facts{
			Contacts: []healthcode.Contact{{Kind: healthcode.ContactSecondary, ExposedAt: at(-5)}},
			Cases:    []healthcode.Case{{Kind: healthcode.CaseConfirmed, DiagnosedAt: at(-1)}},
			Tests:    []healthcode.Test{positive(-2)},
		}, healthcode.Red, []string{CaseConfirmed, PositiveTest, SecondaryContact}, false},
		{"one reason per code", healthcode.Facts{Contacts: []healthcode.Contact{
			{Kind: healthcode.ContactClose, ExposedAt: at(-5)},
			{Kind: healthcode.ContactClose, ExposedAt: at(-50)},
		}}, healthcode.Red, []string{CloseContact}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Evaluate(&tt.facts, DefaultPolicy(), at(1))
			if s.Colour != tt.colour || s.ActionRequired != tt.action || !slices.Equal(codes(s), tt.codes) {
				t.Errorf("got %v action %v reasons %v; want %v action %v reasons %v",
					s.Colour, s.ActionRequired, codes(s), tt.colour, tt.action, tt.codes)
			}
			for _, r := range s.Reasons {
				if r.TextZH == "" || r.TextEN == "" {
					t.Errorf("reason %s has no text", r.Code)
				}
				if r.Action != (r.Code == DrugPurchase || r.Code == FeverMedicine) {
					t.Errorf("reason %s: action %v", r.Code, r.Action)
				}
			}
			if s.PolicyVersion != DefaultPolicy().Version || !s.EvaluatedAt.Equal(at(1)) {
				t.Errorf("policy version %q evaluated at %v", s.PolicyVersion, s.EvaluatedAt)
			}
		})
	}
}

// TestEvaluateTurningBack covers how a status returns to green, with the
// Since and ReevaluateAt a client shows ("green since", "next check").
func TestEvaluateTurningBack(t *testing.T) {
	secondary := []healthcode.Contact{{Kind: healthcode.ContactSecondary, ExposedAt: at(0)}}
	close := []healthcode.Contact{{Kind: healthcode.ContactClose, ExposedAt: at(0)}}
	tests := []struct {
		name   string
		facts  healthcode.Facts
		now    time.Time
		colour healthcode.Colour
		since  time.Time
		next   time.Time
	}{
		{"yellow period not over, tests in", healthcode.Facts{Contacts: secondary, Tests: []healthcode.Test{negative(24), negative(48)}},
			at(days(5)), healthcode.Yellow, at(0), at(days(7))},
		{"yellow period over, no tests", healthcode.Facts{Contacts: secondary},
			at(days(8)), healthcode.Yellow, at(0), time.Time{}},
		{"yellow period over, one test", healthcode.Facts{Contacts: secondary, Tests: []healthcode.Test{negative(days(7))}},
			at(days(8)), healthcode.Yellow, at(0), at(days(7) + 72)},
		{"yellow period over, tests too close together", healthcode.Facts{Contacts: secondary, Tests: []healthcode.Test{negative(days(6)), negative(days(6) + 12)}},
			at(days(8)), healthcode.Yellow, at(0), at(days(6) + 12 + 72)},
		{"yellow period over, tests before the fact", healthcode.Facts{Contacts: secondary, Tests: []healthcode.Test{negative(-48), negative(-24)}},
			at(days(8)), healthcode.Yellow, at(0), time.Time{}},
		{"yellow period over, positive test in between", healthcode.Facts{Contacts: secondary, Tests: []healthcode.Test{negative(24), positive(36), negative(48)}},
			at(days(8)), healthcode.Green, at(days(7)), time.Time{}},
		{"yellow turns green with good tests", healthcode.Facts{Contacts: secondary, Tests: []healthcode.Test{negative(days(2)), negative(days(2) + 6), negative(days(3))}},
			at(days(8)), healthcode.Green, at(days(7)), time.Time{}},
		{"green from the last test when it comes after the period", healthcode.Facts{Contacts: secondary, Tests: []healthcode.Test{negative(days(7)), negative(days(8))}},
			at(days(9)), healthcode.Green, at(days(8)), at(days(8) + 72)},
		{"red is not over after the yellow period", healthcode.Facts{Contacts: close, Tests: []healthcode.Test{negative(24), negative(48)}},
			at(days(8)), healthcode.Red, at(0), at(days(14))},
		{"red turns green after 14 days with tests", healthcode.Facts{Contacts: close, Tests: []healthcode.Test{negative(24), negative(48)}},
			at(days(15)), healthcode.Green, at(days(14)), time.Time{}},
		{"contact cleared early", healthcode.Facts{Contacts: []healthcode.Contact{{Kind: healthcode.ContactClose, ExposedAt: at(0), ClearedAt: at(30)}}},
			at(48), healthcode.Green, at(30), time.Time{}},
		{"case closed", healthcode.Facts{Cases: []healthcode.Case{{Kind: healthcode.CaseConfirmed, DiagnosedAt: at(0), ClosedAt: at(days(20))}}},
			at(days(21)), healthcode.Green, at(days(20)), time.Time{}},
		{"case closing later", healthcode.Facts{Cases: []healthcode.Case{{Kind: healthcode.CaseConfirmed, DiagnosedAt: at(0), ClosedAt: at(days(20))}}},
			at(days(15)), healthcode.Red, at(0), at(days(20))},
		{"quarantine running", healthcode.Facts{Quarantines: []healthcode.Quarantine{{Kind: healthcode.QuarantineCentralised, From: at(0), Until: at(days(10))}}},
			at(days(5)), healthcode.Red, at(0), at(days(10))},
		{"quarantine ended, no tests needed", healthcode.Facts{Quarantines: []healthcode.Quarantine{{Kind: healthcode.QuarantineCentralised, From: at(0), Until: at(days(10))}}},
			at(days(10)), healthcode.Green, at(days(10)), time.Time{}},
		{"quarantine not begun", healthcode.Facts{Quarantines: []healthcode.Quarantine{{Kind: healthcode.QuarantineHome, From: at(48), Until: at(days(9))}}},
			at(24), healthcode.Green, time.Time{}, at(48)},
		{"positive then negative", healthcode.Facts{Tests: []healthcode.Test{positive(0), negative(30)}},
			at(48), healthcode.Green, at(30), at(30 + 72)},
		{"high-risk stay slides out of the window", healthcode.Facts{RiskAreas: []healthcode.RiskArea{highRiskArea}, Travel: []healthcode.Travel{{Division: "310104", From: at(-days(2)), To: at(0)}}},
			at(days(3)), healthcode.Yellow, at(-days(2)), at(days(7))},
		{"high-risk stay out of the window", healthcode.Facts{RiskAreas: []healthcode.RiskArea{highRiskArea}, Travel: []healthcode.Travel{{Division: "310104", From: at(-days(2)), To: at(0)}}},
			at(days(7)), healthcode.Green, at(days(7)), time.Time{}},
		{"high-risk area lifted", healthcode.Facts{RiskAreas: []healthcode.RiskArea{{Division: "310104", Level: healthcode.RiskHigh, From: at(-days(9)), Until: at(-days(1))}},
			Travel: []healthcode.Travel{{Division: "310104", From: at(-days(4))}}},
			at(0), healthcode.Yellow, at(-days(4)), at(days(6))},
		{"remote red until", healthcode.Facts{RemoteStatuses: []healthcode.RemoteStatus{{Region: "CN-310100", Colour: healthcode.Red, At: at(0), Until: at(days(2))}}},
			at(24), healthcode.Red, at(0), at(days(2))},
		{"latest test grows stale", healthcode.Facts{Tests: []healthcode.Test{negative(0), negative(-48)}},
			at(24), healthcode.Green, time.Time{}, at(72)},
		{"earliest of several changes", healthcode.Facts{
			Quarantines: []healthcode.Quarantine{{Kind: healthcode.QuarantineHome, From: at(0), Until: at(days(5))}},
			Tests:       []healthcode.Test{negative(20)},
		}, at(24), healthcode.Yellow, at(0), at(20 + 72)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Evaluate(&tt.facts, DefaultPolicy(), tt.now)
			if s.Colour != tt.colour || !s.Since.Equal(tt.since) || !s.ReevaluateAt.Equal(tt.next) {
				t.Errorf("got %v since %v next %v (reasons %v); want %v since %v next %v",
					s.Colour, s.Since, s.ReevaluateAt, codes(s), tt.colour, tt.since, tt.next)
			}
		})
	}
}

func TestEvaluateCustomPolicy(t *testing.T) {
	secondary := healthcode.Facts{Contacts: []healthcode.Contact{{Kind: healthcode.ContactSecondary, ExposedAt: at(0)}}}
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		facts  healthcode.Facts
		now    time.Time
		colour healthcode.Colour
		action bool
	}{
		{"secondary contacts red", func(m map[string]any) { obj(m, "colours")["secondary_contact"] = "red" },
			secondary, at(1), healthcode.Red, false},
		{"secondary contacts ignored", func(m map[string]any) { obj(m, "colours")["secondary_contact"] = "green" },
			secondary, at(1), healthcode.Green, false},
		{"yellow without tests turns back after its period", func(m map[string]any) { obj(m, "yellow")["negative_tests"] = 0 },
			secondary, at(days(7)), healthcode.Green, false},
		{"shorter yellow period", func(m map[string]any) { obj(m, "yellow")["period"] = "3d" },
			healthcode.Facts{Contacts: secondary.Contacts, Tests: []healthcode.Test{negative(24), negative(48)}}, at(days(3)), healthcode.Green, false},
		{"higher fever threshold", func(m map[string]any) { m["fever_celsius"] = 38.0 },
			healthcode.Facts{Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) { d.Temperature = ptr(37.8) })}}, at(1), healthcode.Green, false},
		{"medium-risk areas count", func(m map[string]any) { obj(m, "high_risk")["levels"] = []string{"high", "medium"} },
			healthcode.Facts{RiskAreas: []healthcode.RiskArea{{Division: "310104", Level: healthcode.RiskMedium}}, Travel: []healthcode.Travel{{Division: "310104", From: at(-24), To: at(0)}}}, at(1), healthcode.Yellow, false},
		{"fever medicine does not ask for a test", func(m map[string]any) { obj(m, "action")["fever_medicine"] = false },
			healthcode.Facts{Declarations: []healthcode.Declaration{declare(0, func(d *healthcode.Declaration) { d.FeverMedicine = true })}}, at(1), healthcode.Green, false},
		{"antibiotics do not ask for a test", func(m map[string]any) { obj(m, "action")["drug_classes"] = []string{"antipyretic"} },
			healthcode.Facts{DrugPurchases: []healthcode.DrugPurchase{{Class: "antibiotic", At: at(0)}}}, at(1), healthcode.Green, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := customPolicy(t, func(m map[string]any) { m["version"] = "test"; tt.edit(m) })
			s := Evaluate(&tt.facts, p, tt.now)
			if s.Colour != tt.colour || s.ActionRequired != tt.action {
				t.Errorf("got %v action %v (%v); want %v action %v", s.Colour, s.ActionRequired, codes(s), tt.colour, tt.action)
			}
			if s.PolicyVersion != "test" {
				t.Errorf("policy version %q, want test", s.PolicyVersion)
			}
		})
	}
}

func TestEvaluateTestsDosesDeclared(t *testing.T) {
	f := healthcode.Facts{
		Tests: []healthcode.Test{negative(-48), positive(-24), negative(-24), negative(48)},
		Vaccinations: []healthcode.Vaccination{
			{Dose: 1, At: at(-days(200))}, {Dose: 2, At: at(-days(170))},
			{Dose: 2, At: at(-days(170))}, // imported twice
			{Dose: 3, At: at(days(1))},    // booked, not given
		},
		Declarations: []healthcode.Declaration{declare(48, func(*healthcode.Declaration) {})},
	}
	s := Evaluate(&f, DefaultPolicy(), at(0))
	if s.LatestTest == nil || !s.LatestTest.SampledAt.Equal(at(-24)) || s.LatestTest.Result != healthcode.Positive {
		t.Errorf("LatestTest = %+v, want the positive test at -24h", s.LatestTest)
	}
	if s.Doses != 2 {
		t.Errorf("Doses = %d, want 2", s.Doses)
	}
	if s.Declared {
		t.Error("Declared before the first declaration")
	}
	if s = Evaluate(&f, DefaultPolicy(), at(49)); !s.Declared {
		t.Error("not Declared after the declaration")
	}
	if s = Evaluate(&healthcode.Facts{}, nil, at(0)); s.LatestTest != nil || s.Doses != 0 || s.Reasons == nil {
		t.Errorf("empty facts: %+v", s)
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		area, place string
		want        bool
	}{
		{"310104", "310104", true},
		{"310100", "310104", true},
		{"310000", "310104", true},
		{"310000", "320104", false},
		{"310105", "310104", false},
		{"310104001", "310104", false},
		{"", "310104", false},
	}
	for _, tt := range tests {
		if got := covers(tt.area, tt.place); got != tt.want {
			t.Errorf("covers(%q, %q) = %v, want %v", tt.area, tt.place, got, tt.want)
		}
	}
}
