package healthcode_test

import (
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

func TestMayReturn(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	window := 48 * time.Hour
	test := func(ago time.Duration, r healthcode.TestResult) *healthcode.TestSummary {
		return &healthcode.TestSummary{SampledAt: now.Add(-ago), Result: r}
	}
	tested := test(24*time.Hour, healthcode.Negative)
	tests := []struct {
		name string
		m    healthcode.MemberReadiness
		why  string // "": may return
	}{
		{"green, tested yesterday", healthcode.MemberReadiness{HasCode: true, LatestTest: tested}, ""},
		{"tested exactly at the window's edge", healthcode.MemberReadiness{HasCode: true, LatestTest: test(window, healthcode.Negative)}, ""},
		{"a sample dated ahead counts as now", healthcode.MemberReadiness{HasCode: true, LatestTest: test(-time.Hour, healthcode.Negative)}, ""},
		{"not registered or never declared", healthcode.MemberReadiness{LatestTest: tested}, healthcode.NotReadyNoCode},
		{"red", healthcode.MemberReadiness{HasCode: true, Colour: healthcode.Red, LatestTest: tested}, healthcode.NotReadyRed},
		{"yellow", healthcode.MemberReadiness{HasCode: true, Colour: healthcode.Yellow, LatestTest: tested}, healthcode.NotReadyYellow},
		{"red before action", healthcode.MemberReadiness{HasCode: true, Colour: healthcode.Red, ActionRequired: true}, healthcode.NotReadyRed},
		{"green with an action required", healthcode.MemberReadiness{HasCode: true, ActionRequired: true, LatestTest: tested}, healthcode.NotReadyAction},
		{"never tested", healthcode.MemberReadiness{HasCode: true}, healthcode.NotReadyNotTested},
		{"tested too long ago", healthcode.MemberReadiness{HasCode: true, LatestTest: test(window+time.Second, healthcode.Negative)}, healthcode.NotReadyNotTested},
		{"a positive test is no negative", healthcode.MemberReadiness{HasCode: true, LatestTest: test(time.Hour, healthcode.Positive)}, healthcode.NotReadyNotTested},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, why := healthcode.MayReturn(&tc.m, window, now)
			if ok != (tc.why == "") || why != tc.why {
				t.Errorf("MayReturn = %v, %q; want %v, %q", ok, why, tc.why == "", tc.why)
			}
		})
	}
}

func TestRegionPrefix(t *testing.T) {
	for region, want := range map[string]string{
		"CN-330100": "3301",
		"CN-330000": "33",
		"CN-330106": "330106",
		"CN-110000": "11",
		"CN":        "",
		"":          "",
		"CN-3301":   "",
	} {
		if got := healthcode.RegionPrefix(region); got != want {
			t.Errorf("RegionPrefix(%q) = %q, want %q", region, got, want)
		}
	}
}

func TestResumptionShare(t *testing.T) {
	if s := (&healthcode.ResumptionApplication{}).Share(); s != 0 {
		t.Errorf("empty roster share = %v, want 0", s)
	}
	if s := (&healthcode.ResumptionReport{Members: 10, Ready: 9}).Share(); s != 0.9 {
		t.Errorf("9 of 10 = %v, want 0.9", s)
	}
}

func TestVenuePolicyEmployerForm(t *testing.T) {
	for id, ok := range map[string]bool{"": true, "G000002": true, "G1234567": true, "G00002": false, "V000002": false, "G00000x": false} {
		v := healthcode.Venue{Name: "厂", Kind: healthcode.VenueFactory, Division: "330106", MaxStay: time.Hour,
			Policy: healthcode.DefaultEntryPolicy(healthcode.VenueFactory)}
		v.Policy.Employer = id
		fe := v.Check()
		if _, bad := fe["policy.employer"]; bad == ok {
			t.Errorf("employer %q: errors %v, want valid %v", id, fe, ok)
		}
	}
}
