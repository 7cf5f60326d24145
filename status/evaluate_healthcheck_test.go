package status

import (
	"slices"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// check is a school's morning check at t0 plus hours.
func check(hours float64, temp float64, symptoms ...healthcode.Symptom) healthcode.HealthCheck {
	c := healthcode.HealthCheck{OrgID: "G000001", Unit: "3班", Session: healthcode.CheckMorning, CheckedAt: at(hours), Symptoms: symptoms}
	if temp != 0 {
		c.Temperature = ptr(temp)
	}
	return c
}

// TestEvaluateFeverAtCheck covers the rule "fever at a health check →
// action required until tested".
func TestEvaluateFeverAtCheck(t *testing.T) {
	antigenClears := customPolicy(t, func(m map[string]any) { m["antigen_counts_for_turning_back"] = true })
	off := customPolicy(t, func(m map[string]any) { obj(m, "action")["fever_at_check"] = false })
	higher := customPolicy(t, func(m map[string]any) { m["fever_celsius"] = 38.0 })
	checkIn := check(0, 37.5)
	checkIn.OrgID, checkIn.Unit, checkIn.Session = "", "", healthcode.CheckDaily
	absentIll := check(0, 0, "fever")
	absentIll.Absent, absentIll.AbsentReason = true, healthcode.AbsentIllness
	tests := []struct {
		name   string
		facts  healthcode.Facts
		policy *Policy
		now    time.Time
		action bool
		codes  []string
		next   time.Time
	}{
		{"38.5 at the morning check", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 38.5)}},
			nil, at(1), true, []string{FeverAtCheck}, at(days(14))},
		{"at the threshold is fever", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 37.3)}},
			nil, at(1), true, []string{FeverAtCheck}, at(days(14))},
		{"just below the threshold is not", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 37.2)}},
			nil, at(1), false, nil, time.Time{}},
		{"the fever symptom without a temperature", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 0, "fever")}},
			nil, at(1), true, []string{FeverAtCheck}, at(days(14))},
		{"other symptoms are no fever", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 36.6, "dry_cough")}},
			nil, at(1), false, nil, time.Time{}},
		{"absent for illness with fever reported", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{absentIll}},
			nil, at(1), true, []string{FeverAtCheck}, at(days(14))},
		{"a daily check-in with fever", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{checkIn}},
			nil, at(1), true, []string{FeverAtCheck}, at(days(14))},
		{"the policy's threshold", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 37.8)}},
			higher, at(1), false, nil, time.Time{}},
		{"the policy turns the rule off", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 39)}},
			off, at(1), false, nil, time.Time{}},
		{"a check after now does not count yet", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(2, 38.5)}},
			nil, at(1), false, nil, at(2)},
		{"a negative test sampled after clears it", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 38.5)},
			Tests: []healthcode.Test{negative(3)}}, nil, at(4), false, nil, at(3 + 72)},
		{"a test sampled before the check does not", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 38.5)},
			Tests: []healthcode.Test{negative(-1)}}, nil, at(4), true, []string{FeverAtCheck}, at(71)},
		{"a test sampled after now does not yet", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 38.5)},
			Tests: []healthcode.Test{negative(5)}}, nil, at(4), true, []string{FeverAtCheck}, at(5)},
		{"a positive ends it and is red by its own rule", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 38.5)},
			Tests: []healthcode.Test{positive(3)}}, nil, at(4), false, []string{PositiveTest}, at(3 + 72)},
		{"a pooled positive ends it and is yellow by its own rule", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 38.5)},
			Tests: []healthcode.Test{pooledPositive(3)}}, nil, at(4), false, []string{PooledPositive}, time.Time{}},
		{"an antigen negative does not by default", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 38.5)},
			Tests: []healthcode.Test{antigen(3, healthcode.Negative)}}, nil, at(4), true, []string{FeverAtCheck}, at(3 + 72)},
		{"an antigen negative does when the policy says so", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 38.5)},
			Tests: []healthcode.Test{antigen(3, healthcode.Negative)}}, antigenClears, at(4), false, nil, at(3 + 72)},
		{"a fever nobody tested for stops after the window", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 38.5)}},
			nil, at(days(14)), false, nil, time.Time{}},
		{"a later fever asks again after a test", healthcode.Facts{HealthChecks: []healthcode.HealthCheck{check(0, 38.5), check(24, 38.1)},
			Tests: []healthcode.Test{negative(3)}}, nil, at(25), true, []string{FeverAtCheck}, at(3 + 72)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Evaluate(&tt.facts, tt.policy, tt.now)
			if s.ActionRequired != tt.action || !slices.Equal(codes(s), tt.codes) || !s.ReevaluateAt.Equal(tt.next) {
				t.Errorf("got action %v %v next %v; want action %v %v next %v",
					s.ActionRequired, codes(s), s.ReevaluateAt, tt.action, tt.codes, tt.next)
			}
			for _, r := range s.Reasons {
				if r.Code != FeverAtCheck {
					continue
				}
				if !r.Action || r.Colour != healthcode.Green || r.TextZH == "" || r.TextEN != "Fever at a health check: get tested" {
					t.Errorf("reason %+v", r)
				}
				if s.Colour != healthcode.Green {
					t.Errorf("colour %v: a fever at a check alone changes no colour", s.Colour)
				}
			}
		})
	}
}

// TestFeverAtCheckEndsOverride: a fever at a check after an accepted
// appeal is a new fact; a check without fever is not.
func TestFeverAtCheckEndsOverride(t *testing.T) {
	o := &healthcode.StatusOverride{Colour: healthcode.Green, Reason: "复核", From: at(0)}
	for _, tt := range []struct {
		name  string
		check healthcode.HealthCheck
		codes []string
	}{
		{"fever", check(1, 38.5), []string{FeverAtCheck}},
		{"no fever", check(1, 36.5), []string{AppealAccepted}},
	} {
		f := healthcode.Facts{HealthChecks: []healthcode.HealthCheck{tt.check}, Override: o}
		if s := Evaluate(&f, nil, at(2)); !slices.Equal(codes(s), tt.codes) {
			t.Errorf("%s: %v, want %v", tt.name, codes(s), tt.codes)
		}
	}
}

func TestPolicyFever(t *testing.T) {
	p := DefaultPolicy()
	for _, tt := range []struct {
		temp     *float64
		symptoms []healthcode.Symptom
		want     bool
	}{
		{nil, nil, false},
		{ptr(37.3), nil, true},
		{ptr(37.29), nil, false},
		{nil, []healthcode.Symptom{"fatigue", "fever"}, true},
		{ptr(36.5), []healthcode.Symptom{"sore_throat"}, false},
	} {
		if got := p.Fever(tt.temp, tt.symptoms); got != tt.want {
			t.Errorf("Fever(%v, %v) = %v, want %v", tt.temp, tt.symptoms, got, tt.want)
		}
	}
}
