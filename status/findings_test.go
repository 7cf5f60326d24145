package status

import (
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

func TestFindings(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	temp := func(c float64) *float64 { return &c }
	ignoreFever := customPolicy(t, func(m map[string]any) { obj(m, "colours")["declared_fever"] = "green" })
	for _, tc := range []struct {
		name string
		d    healthcode.Declaration
		p    *Policy
		want bool
	}{
		{"nothing declared", healthcode.Declaration{CaseContact: "no", Temperature: temp(36.5)}, nil, false},
		{"fever by temperature", healthcode.Declaration{CaseContact: "no", Temperature: temp(37.3)}, nil, true},
		{"fever symptom", healthcode.Declaration{CaseContact: "no", Symptoms: []healthcode.Symptom{"fever"}}, nil, true},
		{"cough", healthcode.Declaration{CaseContact: "no", Symptoms: []healthcode.Symptom{"dry_cough"}}, nil, true},
		{"case contact", healthcode.Declaration{CaseContact: "yes"}, nil, true},
		{"fever medicine", healthcode.Declaration{CaseContact: "no", FeverMedicine: true}, nil, true},
		{"fever the policy ignores", healthcode.Declaration{CaseContact: "no", Temperature: temp(38)}, ignoreFever, false},
	} {
		tc.d.CreatedAt = at
		p := tc.p
		if p == nil {
			p = DefaultPolicy()
		}
		if got := Findings(&tc.d, p); got != tc.want {
			t.Errorf("%s: Findings = %v, want %v", tc.name, got, tc.want)
		}
	}
}
