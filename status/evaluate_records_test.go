package status

import (
	"slices"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

func pooledPositive(hours float64) healthcode.Test {
	return healthcode.Test{SampledAt: at(hours), Result: healthcode.Positive, Pooled: true}
}

func pooledNegative(hours float64) healthcode.Test {
	return healthcode.Test{SampledAt: at(hours), Result: healthcode.Negative, Pooled: true}
}

func antigen(hours float64, r healthcode.TestResult) healthcode.Test {
	return healthcode.Test{SampledAt: at(hours), Result: r, Method: healthcode.MethodAntigen}
}

// TestEvaluateRecordFields covers the fields records gained for import:
// pooled samples, test methods and the standing of a case.
func TestEvaluateRecordFields(t *testing.T) {
	antigenClears, err := LoadPolicy(policyJSON(t, func(m map[string]any) { m["antigen_counts_for_turning_back"] = true }))
	if err != nil {
		t.Fatal(err)
	}
	secondary := []healthcode.Contact{{Kind: healthcode.ContactSecondary, ExposedAt: at(0)}}
	tests := []struct {
		name   string
		facts  healthcode.Facts
		policy *Policy
		now    time.Time
		colour healthcode.Colour
		codes  []string
		latest *healthcode.TestResult // nil: no latest test shown
	}{
		{"pooled positive is yellow, not a positive test", healthcode.Facts{Tests: []healthcode.Test{negative(-48), pooledPositive(0)}},
			nil, at(1), healthcode.Yellow, []string{PooledPositive}, ptr(healthcode.Negative)},
		{"later pooled negative does not clear a pooled positive", healthcode.Facts{Tests: []healthcode.Test{pooledPositive(0), pooledNegative(10)}},
			nil, at(11), healthcode.Yellow, []string{PooledPositive}, ptr(healthcode.Negative)},
		{"later single negative clears a pooled positive", healthcode.Facts{Tests: []healthcode.Test{pooledPositive(0), negative(10)}},
			nil, at(11), healthcode.Green, nil, ptr(healthcode.Negative)},
		{"later single positive turns a pooled positive red", healthcode.Facts{Tests: []healthcode.Test{pooledPositive(0), positive(10)}},
			nil, at(11), healthcode.Red, []string{PositiveTest}, ptr(healthcode.Positive)},
		{"single test before the pool does not clear it", healthcode.Facts{Tests: []healthcode.Test{negative(-1), pooledPositive(0)}},
			nil, at(11), healthcode.Yellow, []string{PooledPositive}, ptr(healthcode.Negative)},
		{"single negative sampled later but after now does not clear yet", healthcode.Facts{Tests: []healthcode.Test{pooledPositive(0), negative(20)}},
			nil, at(11), healthcode.Yellow, []string{PooledPositive}, nil},
		{"antigen negative does not clear a pooled positive by default", healthcode.Facts{Tests: []healthcode.Test{pooledPositive(0), antigen(10, healthcode.Negative)}},
			nil, at(11), healthcode.Yellow, []string{PooledPositive}, ptr(healthcode.Negative)},
		{"antigen negative clears a pooled positive when the policy says so", healthcode.Facts{Tests: []healthcode.Test{pooledPositive(0), antigen(10, healthcode.Negative)}},
			antigenClears, at(11), healthcode.Green, nil, ptr(healthcode.Negative)},
		{"antigen positive is a positive test", healthcode.Facts{Tests: []healthcode.Test{antigen(0, healthcode.Positive)}},
			nil, at(1), healthcode.Red, []string{PositiveTest}, ptr(healthcode.Positive)},
		{"antigen negative is the latest test but does not clear a positive", healthcode.Facts{Tests: []healthcode.Test{positive(0), antigen(10, healthcode.Negative)}},
			nil, at(11), healthcode.Red, []string{PositiveTest}, ptr(healthcode.Negative)},
		{"antigen negative clears a positive when the policy says so", healthcode.Facts{Tests: []healthcode.Test{positive(0), antigen(10, healthcode.Negative)}},
			antigenClears, at(11), healthcode.Green, nil, ptr(healthcode.Negative)},
		{"antigen negatives do not turn a contact back by default", healthcode.Facts{Contacts: secondary,
			Tests: []healthcode.Test{antigen(days(6), healthcode.Negative), antigen(days(7), healthcode.Negative)}},
			nil, at(days(8)), healthcode.Yellow, []string{SecondaryContact}, ptr(healthcode.Negative)},
		{"PCR negatives turn a contact back", healthcode.Facts{Contacts: secondary,
			Tests: []healthcode.Test{negative(days(6)), negative(days(7))}},
			nil, at(days(8)), healthcode.Green, nil, ptr(healthcode.Negative)},
		{"antigen negatives turn a contact back when the policy says so", healthcode.Facts{Contacts: secondary,
			Tests: []healthcode.Test{antigen(days(6), healthcode.Negative), antigen(days(7), healthcode.Negative)}},
			antigenClears, at(days(8)), healthcode.Green, nil, ptr(healthcode.Negative)},
		{"dismissed case never counted", healthcode.Facts{Cases: []healthcode.Case{{Kind: healthcode.CaseConfirmed, DiagnosedAt: at(0), Status: healthcode.CaseDismissed}}},
			nil, at(1), healthcode.Green, nil, nil},
		{"dismissed case leaves green since unset", healthcode.Facts{Cases: []healthcode.Case{{Kind: healthcode.CaseSuspected, DiagnosedAt: at(-days(30)), Status: healthcode.CaseDismissed, ClosedAt: at(-days(29))}}},
			nil, at(1), healthcode.Green, nil, nil},
		{"active case counts", healthcode.Facts{Cases: []healthcode.Case{{Kind: healthcode.CaseConfirmed, DiagnosedAt: at(0), Status: healthcode.CaseActive}}},
			nil, at(1), healthcode.Red, []string{CaseConfirmed}, nil},
		{"recovered case counts until closed", healthcode.Facts{Cases: []healthcode.Case{{Kind: healthcode.CaseConfirmed, DiagnosedAt: at(0), Status: healthcode.CaseRecovered, ClosedAt: at(days(3))}}},
			nil, at(days(2)), healthcode.Red, []string{CaseConfirmed}, nil},
		{"recovered case stops at close", healthcode.Facts{Cases: []healthcode.Case{{Kind: healthcode.CaseConfirmed, DiagnosedAt: at(0), Status: healthcode.CaseRecovered, ClosedAt: at(days(3))}}},
			nil, at(days(4)), healthcode.Green, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Evaluate(&tt.facts, tt.policy, tt.now)
			if s.Colour != tt.colour || !slices.Equal(codes(s), tt.codes) {
				t.Errorf("got %v %v; want %v %v", s.Colour, codes(s), tt.colour, tt.codes)
			}
			switch {
			case tt.latest == nil && s.LatestTest != nil:
				t.Errorf("latest test %+v, want none", s.LatestTest)
			case tt.latest != nil && (s.LatestTest == nil || s.LatestTest.Result != *tt.latest):
				t.Errorf("latest test %+v, want result %v", s.LatestTest, *tt.latest)
			}
		})
	}
	if s := Evaluate(&healthcode.Facts{Cases: []healthcode.Case{{Kind: healthcode.CaseSuspected, DiagnosedAt: at(-days(30)), Status: healthcode.CaseDismissed, ClosedAt: at(-days(29))}}},
		nil, at(1)); !s.Since.IsZero() {
		t.Errorf("a dismissed case dated green since %v: it never made the person anything else", s.Since)
	}
}

// TestEvaluateOverride covers the corrected status of an accepted appeal.
func TestEvaluateOverride(t *testing.T) {
	red := []healthcode.Test{positive(0)}
	red[0].RecordedAt = at(1)
	override := func(colour healthcode.Colour, from, until float64) *healthcode.StatusOverride {
		o := &healthcode.StatusOverride{AppealID: 7, Colour: colour, Reason: "样本错配，已复核 (sample mix-up)", From: at(from)}
		if until != 0 {
			o.Until = at(until)
		}
		return o
	}
	withRecord := func(f healthcode.Facts, edit func(f *healthcode.Facts)) healthcode.Facts {
		edit(&f)
		return f
	}
	base := healthcode.Facts{Tests: red, DrugPurchases: []healthcode.DrugPurchase{{Class: "cough", At: at(0.5)}}}
	tests := []struct {
		name     string
		facts    healthcode.Facts
		override *healthcode.StatusOverride
		now      time.Time
		colour   healthcode.Colour
		codes    []string
		next     time.Time
	}{
		{"holds: colour and the single reason", base, override(healthcode.Green, 2, 0), at(3),
			healthcode.Green, []string{AppealAccepted}, at(72)},
		{"holds until its end, which is re-evaluated", base, override(healthcode.Green, 2, 10), at(3),
			healthcode.Green, []string{AppealAccepted}, at(10)},
		{"over at its end", base, override(healthcode.Green, 2, 10), at(10),
			healthcode.Red, []string{PositiveTest, DrugPurchase}, at(72)},
		{"not begun yet", base, override(healthcode.Green, 5, 0), at(3),
			healthcode.Red, []string{PositiveTest, DrugPurchase}, at(5)},
		{"can make a status worse", healthcode.Facts{}, override(healthcode.Yellow, 2, 0), at(3),
			healthcode.Yellow, []string{AppealAccepted}, time.Time{}},
		{"a test stored after it ends it", withRecord(base, func(f *healthcode.Facts) {
			f.Tests = append(slices.Clone(f.Tests), healthcode.Test{SampledAt: at(2.5), Result: healthcode.Negative, RecordedAt: at(2.6)})
		}), override(healthcode.Red, 2, 0), at(3), healthcode.Green, nil, at(74.5)},
		{"a record sampled before but stored after it ends it", withRecord(base, func(f *healthcode.Facts) {
			f.Quarantines = []healthcode.Quarantine{{Kind: healthcode.QuarantineHome, From: at(-100), Until: at(-50), RecordedAt: at(2.5)}}
		}), override(healthcode.Green, 2, 0), at(3), healthcode.Red, []string{PositiveTest, DrugPurchase}, at(72)},
		{"a record stored before it does not end it", withRecord(base, func(f *healthcode.Facts) {
			f.Vaccinations = []healthcode.Vaccination{{Dose: 1, At: at(-100), RecordedAt: at(1.5)}}
		}), override(healthcode.Green, 2, 0), at(3), healthcode.Green, []string{AppealAccepted}, at(72)},
		{"a later drug purchase ends it", withRecord(base, func(f *healthcode.Facts) {
			f.DrugPurchases = append(slices.Clone(f.DrugPurchases), healthcode.DrugPurchase{Class: "antipyretic", At: at(2.5)})
		}), override(healthcode.Green, 2, 0), at(3), healthcode.Red, []string{PositiveTest, DrugPurchase}, at(72)},
		{"a later remote status ends it", withRecord(base, func(f *healthcode.Facts) {
			f.RemoteStatuses = []healthcode.RemoteStatus{{Region: "CN-310100", Colour: healthcode.Green, At: at(2.5)}}
		}), override(healthcode.Green, 2, 0), at(3), healthcode.Red, []string{PositiveTest, DrugPurchase}, at(72)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.facts
			f.Override = tt.override
			s := Evaluate(&f, nil, tt.now)
			if s.Colour != tt.colour || !slices.Equal(codes(s), tt.codes) || !s.ReevaluateAt.Equal(tt.next) {
				t.Errorf("got %v %v next %v; want %v %v next %v", s.Colour, codes(s), s.ReevaluateAt, tt.colour, tt.codes, tt.next)
			}
			if len(s.Reasons) == 1 && s.Reasons[0].Code == AppealAccepted {
				r := s.Reasons[0]
				if s.ActionRequired || r.Action || r.Detail != tt.override.Reason || !r.Since.Equal(tt.override.From) ||
					!s.Since.Equal(tt.override.From) || r.Colour != tt.override.Colour || r.TextZH == "" || r.TextEN == "" {
					t.Errorf("override status %+v reason %+v", s, r)
				}
			}
		})
	}
}
