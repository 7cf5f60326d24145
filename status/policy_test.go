package status

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/tracing"
)

// policyJSON returns the default policy file with edit applied, for tests
// that need a policy differing in one place.
func policyJSON(t testing.TB, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(DefaultPolicyJSON(), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// customPolicy loads the default policy with edit applied.
func customPolicy(t testing.TB, edit func(m map[string]any)) *Policy {
	t.Helper()
	p, err := LoadPolicy(policyJSON(t, edit))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func obj(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if p.Version == "" {
		t.Error("default policy has no version")
	}
	if got := p.CodeLifetime(); got != 5*time.Minute {
		t.Errorf("CodeLifetime = %v, want 5m", got)
	}
	if got := p.TestValidity(); got != 72*time.Hour {
		t.Errorf("TestValidity = %v, want 72h", got)
	}
	want := map[reason]healthcode.Colour{
		rCaseConfirmed: healthcode.Red, rCaseSuspected: healthcode.Red, rCaseAsymptomatic: healthcode.Red,
		rCloseContact: healthcode.Red, rQuarantineCentralised: healthcode.Red, rRemoteRed: healthcode.Red,
		rPositiveTest: healthcode.Red, rSecondaryContact: healthcode.Yellow, rQuarantineHome: healthcode.Yellow,
		rHomeMonitoring: healthcode.Yellow, rDeclaredFever: healthcode.Yellow, rDeclaredRespiratory: healthcode.Yellow,
		rDeclaredCaseContact: healthcode.Yellow, rHighRiskArea: healthcode.Yellow, rCompanion: healthcode.Yellow,
		rRemoteYellow: healthcode.Yellow, rPooledPositive: healthcode.Yellow,
	}
	for r := reason(0); r < numColourReasons; r++ {
		if p.colours[r] != want[r] {
			t.Errorf("%s: colour %v, want %v", catalog[r].code, p.colours[r], want[r])
		}
	}
	y, r := p.periods[healthcode.Yellow], p.periods[healthcode.Red]
	if y != (period{7 * day, 2, 24 * time.Hour}) || r != (period{14 * day, 2, 24 * time.Hour}) {
		t.Errorf("periods: yellow %+v red %+v", y, r)
	}
	if p.feverCelsius != 37.3 || p.lookback != 7*day || len(p.drugClasses) != 4 || !p.feverMedicine || p.antigenClears {
		t.Errorf("default policy numbers: %+v", p)
	}
}

func TestPolicyRoundTrip(t *testing.T) {
	b, err := json.Marshal(DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPolicy(b)
	if err != nil {
		t.Fatalf("marshalled default policy does not load: %v\n%s", err, b)
	}
	if p.colours != DefaultPolicy().colours || p.periods != DefaultPolicy().periods {
		t.Error("round trip changed the policy")
	}
}

func TestLoadPolicyErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		field  string
		reason string
	}{
		{"missing version", func(m map[string]any) { delete(m, "version") }, "version", "is required"},
		{"too many tests", func(m map[string]any) { obj(m, "yellow")["negative_tests"] = 11 }, "yellow.negative_tests", "must be between 0 and 10"},
		{"negative tests", func(m map[string]any) { obj(m, "red")["negative_tests"] = -1 }, "red.negative_tests", "must be between 0 and 10"},
		{"missing period", func(m map[string]any) { delete(obj(m, "red"), "period") }, "red.period", "is required"},
		{"bad duration", func(m map[string]any) { obj(m, "yellow")["period"] = "seven days" }, "yellow.period", "must be a duration"},
		{"period too long", func(m map[string]any) { obj(m, "red")["period"] = "61d" }, "red.period", "must be between 0h and 60d"},
		{"fever too low", func(m map[string]any) { m["fever_celsius"] = 30.5 }, "fever_celsius", "must be between 36 and 42"},
		{"unknown colour", func(m map[string]any) { obj(m, "colours")["companion"] = "orange" }, "colours.companion", `must be "red", "yellow" or "green"`},
		{"unknown reason", func(m map[string]any) { obj(m, "colours")["sneezing"] = "red" }, "colours.sneezing", "unknown reason code"},
		{"action reason as colour", func(m map[string]any) { obj(m, "colours")["drug_purchase"] = "red" }, "colours.drug_purchase", "unknown reason code"},
		{"missing colour", func(m map[string]any) { delete(obj(m, "colours"), "remote_red") }, "colours.remote_red", "is required"},
		{"unknown level", func(m map[string]any) { obj(m, "high_risk")["levels"] = []string{"high", "extreme"} }, "high_risk.levels[1]", `must be "high", "medium" or "low"`},
		{"duplicate level", func(m map[string]any) { obj(m, "high_risk")["levels"] = []string{"high", "high"} }, "high_risk.levels[1]", "is listed twice"},
		{"unknown symptom", func(m map[string]any) { m["respiratory_symptoms"] = []string{"hiccups"} }, "respiratory_symptoms[0]", `unknown symptom "hiccups"`},
		{"fever as respiratory", func(m map[string]any) { m["respiratory_symptoms"] = []string{"fever"} }, "respiratory_symptoms[0]", "fever is judged by"},
		{"unknown drug class", func(m map[string]any) { obj(m, "action")["drug_classes"] = []string{"vitamin"} }, "action.drug_classes[0]", "must be one of"},
		{"missing drug classes", func(m map[string]any) { delete(obj(m, "action"), "drug_classes") }, "action.drug_classes", "is required"},
		{"code lifetime too short", func(m map[string]any) { m["code_lifetime"] = "10s" }, "code_lifetime", "must be between 30s and 1h"},
		{"test validity missing", func(m map[string]any) { delete(m, "test_validity") }, "test_validity", "is required"},
		{"unknown field", func(m map[string]any) { m["fever"] = 38 }, "", `unknown field "fever"`},
		{"wrong type", func(m map[string]any) { obj(m, "yellow")["negative_tests"] = "2" }, "yellow.negative_tests", "must be a whole number"},
		{"close after zero", func(m map[string]any) { obj(m, "tracing")["close_after"] = "0m" }, "tracing.close_after", "must be between 1m and 1d"},
		{"close after bad", func(m map[string]any) { obj(m, "tracing")["close_after"] = "a quarter" }, "tracing.close_after", "must be a duration"},
		{"companion window too wide", func(m map[string]any) { obj(m, "tracing")["companion_window"] = "25h" }, "tracing.companion_window", "must be between 0h and 1d"},
		{"default stay of an unknown kind", func(m map[string]any) { obj(obj(m, "tracing"), "default_stay")["restaurant"] = "1h" }, "tracing.default_stay.restaurant", "unknown venue kind"},
		{"default stay too long", func(m map[string]any) { obj(obj(m, "tracing"), "default_stay")["pharmacy"] = "8d" }, "tracing.default_stay.pharmacy", "must be between 1m and 7d"},
		{"default stay zero", func(m map[string]any) { obj(obj(m, "tracing"), "default_stay")["mall"] = "0h" }, "tracing.default_stay.mall", "must be between 1m and 7d"},
		{"default stay not a string", func(m map[string]any) { obj(obj(m, "tracing"), "default_stay")["mall"] = 2 }, "tracing.default_stay", "must be a string"},
		{"default stay other bad", func(m map[string]any) { obj(m, "tracing")["default_stay_other"] = "2 hours" }, "tracing.default_stay_other", "must be a duration"},
		{"all-close kind unknown", func(m map[string]any) { obj(m, "tracing")["all_close_kinds"] = []string{"pharmacy", "kiosk"} }, "tracing.all_close_kinds[1]", "must be one of community"},
		{"all-close kind twice", func(m map[string]any) { obj(m, "tracing")["all_close_kinds"] = []string{"pharmacy", "pharmacy"} }, "tracing.all_close_kinds[1]", "is listed twice"},
		{"second round not a boolean", func(m map[string]any) { obj(m, "tracing")["second_round"] = "yes" }, "tracing.second_round", "must be true or false"},
		{"infectious before too long", func(m map[string]any) { obj(m, "tracing")["infectious_before"] = "31d" }, "tracing.infectious_before", "must be between 0h and 30d"},
		{"unknown tracing key", func(m map[string]any) { obj(m, "tracing")["close_before"] = "15m" }, "", `unknown field "close_before"`},
		{"tracing not an object", func(m map[string]any) { m["tracing"] = []string{} }, "tracing", "must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := LoadPolicy(policyJSON(t, tt.edit))
			if err == nil {
				t.Fatalf("LoadPolicy accepted the policy: %+v", p)
			}
			if code := healthcode.ErrorCode(err); code != healthcode.EINVALID {
				t.Errorf("code %q, want %q", code, healthcode.EINVALID)
			}
			msg := healthcode.ErrorMessage(err)
			if !strings.Contains(msg, tt.reason) || !strings.Contains(msg, tt.field) {
				t.Errorf("message %q, want it to name %q and %q", msg, tt.field, tt.reason)
			}
			if tt.field != "" {
				if got := healthcode.ErrorFields(err)[tt.field]; !strings.Contains(got, tt.reason) {
					t.Errorf("Fields[%q] = %q, want %q; all: %v", tt.field, got, tt.reason, healthcode.ErrorFields(err))
				}
			}
		})
	}
}

func TestLoadPolicySyntax(t *testing.T) {
	for _, data := range []string{``, `{`, `[]`, `{"version":"x"} {}`} {
		if _, err := LoadPolicy([]byte(data)); healthcode.ErrorCode(err) != healthcode.EINVALID {
			t.Errorf("LoadPolicy(%q): error %v, want EINVALID", data, err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * day, true},
		{"0d", 0, true},
		{"168h", 168 * time.Hour, true},
		{"5m", 5 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"d", 0, false},
		{"-1d", 0, false},
		{"+1d", 0, false},
		{"1.5d", 0, false},
		{"7 days", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestLoadPolicyOptionalKeys: files written before pooled_positive and the
// antigen switch existed still load, with the national defaults.
func TestLoadPolicyOptionalKeys(t *testing.T) {
	tests := []struct {
		name          string
		edit          func(m map[string]any)
		pooled        healthcode.Colour
		antigenClears bool
	}{
		{"both left out", func(m map[string]any) {
			delete(obj(m, "colours"), "pooled_positive")
			delete(m, "antigen_counts_for_turning_back")
		}, healthcode.Yellow, false},
		{"pooled positive red", func(m map[string]any) { obj(m, "colours")["pooled_positive"] = "red" }, healthcode.Red, false},
		{"pooled positive ignored", func(m map[string]any) { obj(m, "colours")["pooled_positive"] = "green" }, healthcode.Green, false},
		{"antigen clears", func(m map[string]any) { m["antigen_counts_for_turning_back"] = true }, healthcode.Yellow, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := LoadPolicy(policyJSON(t, tt.edit))
			if err != nil {
				t.Fatal(err)
			}
			if p.colours[rPooledPositive] != tt.pooled || p.antigenClears != tt.antigenClears {
				t.Errorf("pooled_positive %v, antigen clears %v; want %v, %v",
					p.colours[rPooledPositive], p.antigenClears, tt.pooled, tt.antigenClears)
			}
		})
	}
	for _, tt := range []struct {
		name string
		edit func(m map[string]any)
		want bool
	}{
		{"fever_at_check left out", func(m map[string]any) { delete(obj(m, "action"), "fever_at_check") }, true},
		{"fever_at_check off", func(m map[string]any) { obj(m, "action")["fever_at_check"] = false }, false},
	} {
		if p, err := LoadPolicy(policyJSON(t, tt.edit)); err != nil || p.feverAtCheck != tt.want {
			t.Errorf("%s: fever at check %v (%v), want %v", tt.name, p != nil && p.feverAtCheck, err, tt.want)
		}
	}
	if _, err := LoadPolicy(policyJSON(t, func(m map[string]any) { m["antigen_counts_for_turning_back"] = "yes" })); err == nil ||
		!strings.Contains(healthcode.ErrorMessage(err), "antigen_counts_for_turning_back") {
		t.Errorf("a non-boolean switch: error %v, want one naming the key", err)
	}
}

// TestPolicyTraceRules: the tracing section over the national rules. The
// default file states every default; a file without the section, or
// without some keys, gets the defaults for what it leaves out.
func TestPolicyTraceRules(t *testing.T) {
	tests := []struct {
		name string
		edit func(m map[string]any)
		want func(r *healthcode.TraceRules)
	}{
		{"default file", func(m map[string]any) {}, func(r *healthcode.TraceRules) {}},
		{"no section", func(m map[string]any) { delete(m, "tracing") }, func(r *healthcode.TraceRules) {}},
		{"null section", func(m map[string]any) { m["tracing"] = nil }, func(r *healthcode.TraceRules) {}},
		{"empty section", func(m map[string]any) { m["tracing"] = map[string]any{} }, func(r *healthcode.TraceRules) {}},
		{"some keys", func(m map[string]any) {
			m["tracing"] = map[string]any{"close_after": "10m", "second_round": true, "default_stay": map[string]any{"mall": "90m", "other": "1h"}}
		}, func(r *healthcode.TraceRules) {
			r.CloseAfter, r.SecondRound = 10*time.Minute, true
			r.DefaultStay[healthcode.VenueMall] = 90 * time.Minute
			r.DefaultStay[healthcode.VenueOther] = time.Hour
		}},
		{"every key", func(m map[string]any) {
			m["tracing"] = map[string]any{
				"close_after": "30m", "companion_window": "0h", "default_stay": map[string]any{"pharmacy": "5m"},
				"default_stay_other": "3h", "all_close_kinds": []string{"pharmacy", "subway"}, "second_round": true,
				"infectious_before": "4d",
			}
		}, func(r *healthcode.TraceRules) {
			r.CloseAfter, r.CompanionWindow, r.DefaultStayOther = 30*time.Minute, 0, 3*time.Hour
			r.DefaultStay[healthcode.VenuePharmacy] = 5 * time.Minute
			r.AllCloseKinds = []string{healthcode.VenuePharmacy, healthcode.VenueSubway}
			r.SecondRound, r.InfectiousBefore = true, 4*day
		}},
		{"no all-close kinds", func(m map[string]any) { obj(m, "tracing")["all_close_kinds"] = []string{} },
			func(r *healthcode.TraceRules) { r.AllCloseKinds = []string{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := customPolicy(t, tt.edit)
			want := tracing.DefaultRules()
			tt.want(&want)
			if got := p.TraceRules(); !reflect.DeepEqual(got, want) {
				t.Errorf("TraceRules =\n%+v\nwant\n%+v", got, want)
			}
			// The rules survive a round trip through MarshalJSON.
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			q, err := LoadPolicy(b)
			if err != nil {
				t.Fatalf("marshalled policy does not load: %v\n%s", err, b)
			}
			if got := q.TraceRules(); !reflect.DeepEqual(got, want) {
				t.Errorf("after a round trip TraceRules =\n%+v\nwant\n%+v\n%s", got, want, b)
			}
		})
	}
}

// TestPolicyTraceRulesCopy: TraceRules hands out copies; the policy stays
// immutable.
func TestPolicyTraceRulesCopy(t *testing.T) {
	p := DefaultPolicy()
	r := p.TraceRules()
	r.DefaultStay[healthcode.VenuePharmacy] = time.Hour
	r.AllCloseKinds[0] = healthcode.VenueMall
	if got := DefaultPolicy().TraceRules(); !reflect.DeepEqual(got, tracing.DefaultRules()) {
		t.Errorf("changing the returned rules changed the policy: %+v", got)
	}
}
