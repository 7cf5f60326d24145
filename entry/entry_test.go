package entry_test

import (
	"slices"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/entry"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	green := healthcode.DefaultEntryPolicy(healthcode.VenueMall)
	school := healthcode.DefaultEntryPolicy(healthcode.VenueSchool)
	hospital := healthcode.DefaultEntryPolicy(healthcode.VenueHospital)
	employer := healthcode.DefaultEntryPolicy(healthcode.VenueOffice)
	employer.Employer = "G000002"
	strict := healthcode.EntryPolicy{Colours: []healthcode.Colour{healthcode.Green}, TestWithinHours: 24, MinDoses: 3, ActionRequiredBlocks: true}
	test := func(ago time.Duration, r healthcode.TestResult) *healthcode.TestSummary {
		return &healthcode.TestSummary{SampledAt: now.Add(-ago), Result: r}
	}
	tests := []struct {
		name      string
		policy    healthcode.EntryPolicy
		holder    entry.Holder
		direction string
		want      []string // nil: pass
	}{
		{"green passes a mall", green, entry.Holder{Colour: healthcode.Green}, "in", nil},
		{"yellow is denied at a mall", green, entry.Holder{Colour: healthcode.Yellow}, "in", []string{healthcode.DenyColour}},
		{"red is denied", green, entry.Holder{Colour: healthcode.Red}, "in", []string{healthcode.DenyColour}},
		{"red may always leave", green, entry.Holder{Colour: healthcode.Red}, "out", nil},
		{"action required blocks by default", green, entry.Holder{Colour: healthcode.Green, ActionRequired: true}, "in", []string{healthcode.DenyActionRequired}},
		{"hospital admits yellow with action", hospital, entry.Holder{Colour: healthcode.Yellow, ActionRequired: true}, "in", nil},
		{"hospital turns red away", hospital, entry.Holder{Colour: healthcode.Red}, "in", []string{healthcode.DenyColour}},
		{"school needs a test", school, entry.Holder{Colour: healthcode.Green}, "in", []string{healthcode.DenyTestRequired}},
		{"school: test 47h ago passes", school, entry.Holder{Colour: healthcode.Green, LatestTest: test(47*time.Hour, healthcode.Negative)}, "in", nil},
		{"school: test exactly 48h ago passes", school, entry.Holder{Colour: healthcode.Green, LatestTest: test(48*time.Hour, healthcode.Negative)}, "in", nil},
		{"school: test 49h ago is too old", school, entry.Holder{Colour: healthcode.Green, LatestTest: test(49*time.Hour, healthcode.Negative)}, "in", []string{healthcode.DenyTestRequired}},
		{"school: a positive test is no negative", school, entry.Holder{Colour: healthcode.Green, LatestTest: test(time.Hour, healthcode.Positive)}, "in", []string{healthcode.DenyTestRequired}},
		{"future sample counts as recent", school, entry.Holder{Colour: healthcode.Green, LatestTest: test(-time.Hour, healthcode.Negative)}, "in", nil},
		{"every failure is named", strict, entry.Holder{Colour: healthcode.Yellow, ActionRequired: true, Doses: 2},
			"in", []string{healthcode.DenyColour, healthcode.DenyActionRequired, healthcode.DenyTestRequired, healthcode.DenyDosesRequired}},
		{"doses enough", strict, entry.Holder{Colour: healthcode.Green, Doses: 3, LatestTest: test(time.Hour, healthcode.Negative)}, "in", nil},
		{"employer's venue admits its staff", employer, entry.Holder{Colour: healthcode.Green, Employee: true}, "in", nil},
		{"employer's venue turns away a non-member", employer, entry.Holder{Colour: healthcode.Green}, "in", []string{healthcode.DenyNotEmployed}},
		{"a non-member may leave", employer, entry.Holder{Colour: healthcode.Green}, "out", nil},
		{"staff is no pass for a red code", employer, entry.Holder{Colour: healthcode.Red, Employee: true}, "in", []string{healthcode.DenyColour}},
		{"every failure is named, employment last", employer, entry.Holder{Colour: healthcode.Yellow, ActionRequired: true},
			"in", []string{healthcode.DenyColour, healthcode.DenyActionRequired, healthcode.DenyNotEmployed}},
		{"employment counts only where asked", green, entry.Holder{Colour: healthcode.Green}, "in", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := entry.Decide(&tc.policy, &tc.holder, tc.direction, now)
			wantVerdict := healthcode.VerdictPass
			if tc.want != nil {
				wantVerdict = healthcode.VerdictDeny
			}
			if got.Verdict != wantVerdict || !slices.Equal(got.Reasons, tc.want) {
				t.Errorf("Decide = %+v, want %s %v", got, wantVerdict, tc.want)
			}
		})
	}
}

func TestNeedsDetail(t *testing.T) {
	for _, kind := range healthcode.VenueKinds {
		p := healthcode.DefaultEntryPolicy(kind)
		want := p.TestWithinHours > 0 || p.MinDoses > 0
		if got := entry.NeedsDetail(&p); got != want {
			t.Errorf("%s: NeedsDetail = %v, want %v", kind, got, want)
		}
	}
	if !entry.NeedsDetail(&healthcode.EntryPolicy{MinDoses: 1}) {
		t.Error("a dose requirement needs the detail")
	}
}

func TestDefaultPoliciesAreValid(t *testing.T) {
	for _, kind := range healthcode.VenueKinds {
		v := healthcode.Venue{Name: "x", Kind: kind, Division: "330106", Policy: healthcode.DefaultEntryPolicy(kind),
			MaxStay: healthcode.DefaultMaxStay(kind)}
		if fe := v.Check(); len(fe) > 0 {
			t.Errorf("%s: default venue invalid: %v", kind, fe)
		}
	}
}

func TestNotEmployedText(t *testing.T) {
	r := healthcode.NewDenyReason(healthcode.DenyNotEmployed)
	if r.TextZH != "非本单位人员" || r.TextEN != "Not on this employer's staff" {
		t.Errorf("not_employed texts = %q / %q", r.TextZH, r.TextEN)
	}
}
