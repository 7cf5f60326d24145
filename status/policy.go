package status

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/tracing"
)

// Policy is a region's status policy: every number and table the engine
// uses. It is data, read from a JSON file by LoadPolicy; see docs/policy.md
// and default-policy.json for the format. A Policy is immutable once loaded
// and safe for concurrent use.
//
// The file format, all keys required, unknown keys refused:
//
//	{
//	  "version": "CN-default-1",        // reported in every status
//	  "fever_celsius": 37.3,            // declared temperature ≥ this is fever
//	  "colours": {"case_confirmed": "red", …},  // every colour reason code:
//	                                    // "red", "yellow" or "green" (ignored)
//	  "yellow": {"period": "7d", "negative_tests": 2, "test_interval": "24h"},
//	  "red":    {"period": "14d", "negative_tests": 2, "test_interval": "24h"},
//	  "high_risk": {"lookback": "7d", "levels": ["high"]},
//	  "respiratory_symptoms": ["dry_cough", …],
//	  "action": {"drug_classes": ["antipyretic", …], "fever_medicine": true,
//	             "fever_at_check": true},
//	  "code_lifetime": "5m",
//	  "test_validity": "72h",
//	  "antigen_counts_for_turning_back": false,
//	  "tracing": {"close_after": "15m", "companion_window": "60m",
//	              "default_stay": {"pharmacy": "15m", …}, "default_stay_other": "2h",
//	              "all_close_kinds": ["pharmacy"], "second_round": false,
//	              "infectious_before": "2d"}
//	}
//
// Durations are Go durations ("168h", "5m") or whole days ("7d"). Keys
// added after the first format are optional so older files still load:
// colours.pooled_positive (default "yellow"),
// action.fever_at_check (default true),
// antigen_counts_for_turning_back (default false) and the tracing section
// and each of its keys (default tracing.DefaultRules; default_stay lists
// only the kinds it changes).
type Policy struct {
	// Version names the policy; it is required and reported in
	// Status.PolicyVersion so a status can be traced to its rules.
	Version string

	// Lookups are precomputed by LoadPolicy so Evaluate neither allocates
	// nor parses.
	feverCelsius  float64
	colours       [numColourReasons]healthcode.Colour
	periods       [3]period // indexed by colour; Green unused
	lookback      time.Duration
	levels        []healthcode.RiskLevel
	respiratory   []healthcode.Symptom
	drugClasses   []string
	feverMedicine bool
	feverAtCheck  bool
	codeLifetime  time.Duration
	testValidity  time.Duration
	// antigenClears lets antigen negatives turn facts back, not only PCR.
	antigenClears bool
	// trace is the tracing section over tracing.DefaultRules.
	trace healthcode.TraceRules

	source policyFile // for MarshalJSON
}

// period is how a yellow or red fact turns back: after length, with tests
// negative tests sampled after the fact, pairwise at least interval apart.
type period struct {
	length   time.Duration
	tests    int
	interval time.Duration
}

// CodeLifetime is how long a displayed code stays valid (the CWT exp - iat).
func (p *Policy) CodeLifetime() time.Duration { return p.codeLifetime }

// Fever reports whether a temperature (nil: not measured) or symptoms
// show fever: the temperature at or above fever_celsius, or the symptom
// "fever". Declarations and health checks are judged alike.
func (p *Policy) Fever(temperature *float64, symptoms []healthcode.Symptom) bool {
	if temperature != nil && *temperature >= p.feverCelsius {
		return true
	}
	return slices.Contains(symptoms, "fever")
}

// TestValidity is how long a test result counts as recent; a status is
// re-evaluated when the latest test grows older than this.
func (p *Policy) TestValidity() time.Duration { return p.testValidity }

// TraceRules returns the contact-tracing rules of the policy's "tracing"
// section, each key the file leaves out at its tracing.DefaultRules value.
// The map and list are the caller's to change.
func (p *Policy) TraceRules() healthcode.TraceRules {
	r := p.trace
	r.DefaultStay = maps.Clone(r.DefaultStay)
	r.AllCloseKinds = slices.Clone(r.AllCloseKinds)
	return r
}

// MarshalJSON writes the policy in the file format LoadPolicy reads.
func (p *Policy) MarshalJSON() ([]byte, error) { return json.Marshal(p.source) }

// policyFile is the JSON shape. Pointers tell a missing key from a zero.
type policyFile struct {
	Version             string            `json:"version"`
	FeverCelsius        *float64          `json:"fever_celsius"`
	Colours             map[string]string `json:"colours"`
	Yellow              *periodFile       `json:"yellow"`
	Red                 *periodFile       `json:"red"`
	HighRisk            *highRiskFile     `json:"high_risk"`
	RespiratorySymptoms []string          `json:"respiratory_symptoms"`
	Action              *actionFile       `json:"action"`
	CodeLifetime        *string           `json:"code_lifetime"`
	TestValidity        *string           `json:"test_validity"`
	AntigenClears       *bool             `json:"antigen_counts_for_turning_back,omitempty"`
	Tracing             *tracingFile      `json:"tracing,omitempty"`
}

// tracingFile is the optional "tracing" section; omitzero keeps an empty
// all_close_kinds list ("no such kinds") apart from a missing one.
type tracingFile struct {
	CloseAfter       *string           `json:"close_after,omitempty"`
	CompanionWindow  *string           `json:"companion_window,omitempty"`
	DefaultStay      map[string]string `json:"default_stay,omitzero"`
	DefaultStayOther *string           `json:"default_stay_other,omitempty"`
	AllCloseKinds    []string          `json:"all_close_kinds,omitzero"`
	SecondRound      *bool             `json:"second_round,omitempty"`
	InfectiousBefore *string           `json:"infectious_before,omitempty"`
}

type periodFile struct {
	Period        *string `json:"period"`
	NegativeTests *int    `json:"negative_tests"`
	TestInterval  *string `json:"test_interval"`
}

type highRiskFile struct {
	Lookback *string  `json:"lookback"`
	Levels   []string `json:"levels"`
}

type actionFile struct {
	DrugClasses   []string `json:"drug_classes"`
	FeverMedicine *bool    `json:"fever_medicine"`
	FeverAtCheck  *bool    `json:"fever_at_check,omitempty"`
}

// Bounds a policy must keep: wide enough for any real rule, narrow enough
// to catch a typo such as "7h" for "7d" in the wrong place.
const (
	maxPeriod       = 60 * day
	maxTests        = 10
	maxTestInterval = 7 * day
	maxLookback     = 30 * day
	minCodeLifetime = 30 * time.Second
	maxCodeLifetime = time.Hour
	minTestValidity = time.Hour
	maxTestValidity = 30 * day
	maxVersionLen   = 64

	// Tracing: a close contact needs at least a minute together; a stay
	// is at most a week, as a venue's MaxStay is.
	minCloseAfter       = time.Minute
	maxCloseAfter       = day
	maxCompanionWindow  = day
	minDefaultStay      = time.Minute
	maxDefaultStay      = healthcode.MaxVenueMaxStay
	maxInfectiousBefore = 30 * day
)

// LoadPolicy reads and validates a policy. The error is an EINVALID
// *healthcode.Error whose Fields name each bad key ("yellow.negative_tests")
// with the reason.
func LoadPolicy(data []byte) (*Policy, error) {
	var f policyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, healthcode.Errorf(healthcode.EINVALID, "policy: unexpected data after the policy object")
	}
	var errs healthcode.FieldErrors
	p := compile(&f, &errs)
	if len(errs) > 0 {
		return nil, policyError(errs)
	}
	return p, nil
}

func compile(f *policyFile, errs *healthcode.FieldErrors) *Policy {
	p := &Policy{Version: f.Version, source: *f}

	switch {
	case f.Version == "":
		errs.Add("version", "is required")
	case len(f.Version) > maxVersionLen:
		errs.Add("version", fmt.Sprintf("must be at most %d bytes", maxVersionLen))
	case strings.IndexFunc(f.Version, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		errs.Add("version", "must be printable text")
	}

	switch {
	case f.FeverCelsius == nil:
		errs.Add("fever_celsius", "is required")
	case *f.FeverCelsius < 36 || *f.FeverCelsius > 42:
		errs.Add("fever_celsius", "must be between 36 and 42")
	default:
		p.feverCelsius = *f.FeverCelsius
	}

	compileColours(p, f.Colours, errs)
	p.periods[healthcode.Yellow] = compilePeriod("yellow", f.Yellow, errs)
	p.periods[healthcode.Red] = compilePeriod("red", f.Red, errs)

	if f.HighRisk == nil {
		errs.Add("high_risk", "is required")
	} else {
		p.lookback = requireDuration("high_risk.lookback", f.HighRisk.Lookback, 0, maxLookback, errs)
		for i, l := range requireList("high_risk.levels", f.HighRisk.Levels, errs) {
			field := fmt.Sprintf("high_risk.levels[%d]", i)
			lv := healthcode.RiskLevel(l)
			if lv != healthcode.RiskHigh && lv != healthcode.RiskMedium && lv != healthcode.RiskLow {
				errs.Add(field, `must be "high", "medium" or "low"`)
			} else if contains(p.levels, lv) {
				errs.Add(field, "is listed twice")
			} else {
				p.levels = append(p.levels, lv)
			}
		}
	}

	for i, s := range requireList("respiratory_symptoms", f.RespiratorySymptoms, errs) {
		field := fmt.Sprintf("respiratory_symptoms[%d]", i)
		sy := healthcode.Symptom(s)
		if !sy.Valid() {
			errs.Add(field, fmt.Sprintf("unknown symptom %q", s))
		} else if sy == "fever" {
			errs.Add(field, "fever is judged by fever_celsius and the declared_fever reason")
		} else if contains(p.respiratory, sy) {
			errs.Add(field, "is listed twice")
		} else {
			p.respiratory = append(p.respiratory, sy)
		}
	}

	if f.Action == nil {
		errs.Add("action", "is required")
	} else {
		for i, c := range requireList("action.drug_classes", f.Action.DrugClasses, errs) {
			field := fmt.Sprintf("action.drug_classes[%d]", i)
			if !contains(healthcode.DrugClasses, c) {
				errs.Add(field, fmt.Sprintf("must be one of %s", strings.Join(healthcode.DrugClasses, ", ")))
			} else if contains(p.drugClasses, c) {
				errs.Add(field, "is listed twice")
			} else {
				p.drugClasses = append(p.drugClasses, c)
			}
		}
		if f.Action.FeverMedicine == nil {
			errs.Add("action.fever_medicine", "is required")
		} else {
			p.feverMedicine = *f.Action.FeverMedicine
		}
		p.feverAtCheck = f.Action.FeverAtCheck == nil || *f.Action.FeverAtCheck
	}

	p.codeLifetime = requireDuration("code_lifetime", f.CodeLifetime, minCodeLifetime, maxCodeLifetime, errs)
	p.testValidity = requireDuration("test_validity", f.TestValidity, minTestValidity, maxTestValidity, errs)
	if f.AntigenClears != nil {
		p.antigenClears = *f.AntigenClears
	}
	p.trace = compileTracing(f.Tracing, errs)
	return p
}

// compileTracing reads the tracing section over the national rules: a
// missing section or key keeps tracing.DefaultRules' value, and
// default_stay changes only the kinds it lists.
func compileTracing(f *tracingFile, errs *healthcode.FieldErrors) healthcode.TraceRules {
	r := tracing.DefaultRules()
	if f == nil {
		return r
	}
	optionalDuration("tracing.close_after", f.CloseAfter, minCloseAfter, maxCloseAfter, &r.CloseAfter, errs)
	optionalDuration("tracing.companion_window", f.CompanionWindow, 0, maxCompanionWindow, &r.CompanionWindow, errs)
	for kind, v := range f.DefaultStay {
		field := "tracing.default_stay." + kind
		if !contains(healthcode.VenueKinds, kind) {
			errs.Add(field, "unknown venue kind; must be one of "+strings.Join(healthcode.VenueKinds, ", "))
			continue
		}
		if d, ok := checkDuration(field, v, minDefaultStay, maxDefaultStay, errs); ok {
			r.DefaultStay[kind] = d
		}
	}
	optionalDuration("tracing.default_stay_other", f.DefaultStayOther, minDefaultStay, maxDefaultStay, &r.DefaultStayOther, errs)
	if f.AllCloseKinds != nil {
		r.AllCloseKinds = []string{}
		for i, kind := range f.AllCloseKinds {
			field := fmt.Sprintf("tracing.all_close_kinds[%d]", i)
			if !contains(healthcode.VenueKinds, kind) {
				errs.Add(field, "must be one of "+strings.Join(healthcode.VenueKinds, ", "))
			} else if contains(r.AllCloseKinds, kind) {
				errs.Add(field, "is listed twice")
			} else {
				r.AllCloseKinds = append(r.AllCloseKinds, kind)
			}
		}
	}
	if f.SecondRound != nil {
		r.SecondRound = *f.SecondRound
	}
	optionalDuration("tracing.infectious_before", f.InfectiousBefore, 0, maxInfectiousBefore, &r.InfectiousBefore, errs)
	return r
}

// optionalDuration sets *d from s when s is given and valid; a missing
// key keeps *d.
func optionalDuration(field string, s *string, min, max time.Duration, d *time.Duration, errs *healthcode.FieldErrors) {
	if s == nil {
		return
	}
	if v, ok := checkDuration(field, *s, min, max, errs); ok {
		*d = v
	}
}

func compileColours(p *Policy, colours map[string]string, errs *healthcode.FieldErrors) {
	if colours == nil {
		errs.Add("colours", "is required")
		return
	}
	for code, name := range colours {
		r, ok := reasonOf(code)
		if !ok || r >= numColourReasons {
			errs.Add("colours."+code, "unknown reason code")
			continue
		}
		c, err := healthcode.ParseColour(name)
		if err != nil {
			errs.Add("colours."+code, `must be "red", "yellow" or "green"`)
			continue
		}
		p.colours[r] = c
	}
	for r := reason(0); r < numColourReasons; r++ {
		if _, ok := colours[catalog[r].code]; ok {
			continue
		}
		if c, ok := optionalColours[r]; ok {
			p.colours[r] = c
		} else {
			errs.Add("colours."+catalog[r].code, "is required")
		}
	}
}

// optionalColours are the colour codes added after the first policy
// format, with the colour a file that leaves them out gets.
var optionalColours = map[reason]healthcode.Colour{
	rPooledPositive: healthcode.Yellow,
}

func compilePeriod(name string, f *periodFile, errs *healthcode.FieldErrors) period {
	if f == nil {
		errs.Add(name, "is required")
		return period{}
	}
	var pd period
	pd.length = requireDuration(name+".period", f.Period, 0, maxPeriod, errs)
	switch {
	case f.NegativeTests == nil:
		errs.Add(name+".negative_tests", "is required")
	case *f.NegativeTests < 0 || *f.NegativeTests > maxTests:
		errs.Add(name+".negative_tests", fmt.Sprintf("must be between 0 and %d", maxTests))
	default:
		pd.tests = *f.NegativeTests
	}
	pd.interval = requireDuration(name+".test_interval", f.TestInterval, 0, maxTestInterval, errs)
	return pd
}

func requireDuration(field string, s *string, min, max time.Duration, errs *healthcode.FieldErrors) time.Duration {
	if s == nil {
		errs.Add(field, "is required")
		return 0
	}
	d, _ := checkDuration(field, *s, min, max, errs)
	return d
}

// checkDuration parses s and checks it lies in [min, max]; ok is false
// (and the problem added to errs) when it does not.
func checkDuration(field, s string, min, max time.Duration, errs *healthcode.FieldErrors) (d time.Duration, ok bool) {
	d, err := parseDuration(s)
	if err != nil {
		errs.Add(field, err.Error())
		return 0, false
	}
	if d < min || d > max {
		errs.Add(field, fmt.Sprintf("must be between %s and %s", formatDuration(min), formatDuration(max)))
		return 0, false
	}
	return d, true
}

// requireList reports a missing list; an empty list is a valid choice
// ("no drug class asks for a test").
func requireList(field string, list []string, errs *healthcode.FieldErrors) []string {
	if list == nil {
		errs.Add(field, "is required (may be empty: [])")
	}
	return list
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// policyError lists every problem in the message too, sorted, because a
// policy file is fixed by a person reading a log line.
func policyError(errs healthcode.FieldErrors) error {
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + errs[k]
	}
	return &healthcode.Error{
		Code:    healthcode.EINVALID,
		Message: "policy: " + strings.Join(parts, "; "),
		Fields:  map[string]string(errs),
	}
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		want := "a " + typeErr.Type.String()
		switch typeErr.Type.Kind().String() {
		case "int":
			want = "a whole number"
		case "float64":
			want = "a number"
		case "bool":
			want = "true or false"
		case "string":
			want = "a string"
		case "slice":
			want = "a list"
		case "map", "struct", "ptr":
			want = "an object"
		}
		msg := typeErr.Field + ": must be " + want
		return &healthcode.Error{Code: healthcode.EINVALID, Message: "policy: " + msg,
			Fields: map[string]string{typeErr.Field: "must be " + want}}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return &healthcode.Error{Code: healthcode.EINVALID, Message: "policy: " + msg, Err: err}
}

//go:embed default-policy.json
var defaultPolicyJSON []byte

var defaultPolicy = sync.OnceValue(func() *Policy {
	p, err := LoadPolicy(defaultPolicyJSON)
	if err != nil {
		panic("status: embedded default policy: " + err.Error())
	}
	return p
})

// DefaultPolicy returns the national practice (DESIGN §2), read from the
// embedded default-policy.json. Each call returns a fresh copy.
func DefaultPolicy() *Policy {
	p := *defaultPolicy()
	return &p
}

// DefaultPolicyJSON returns the default policy file, a starting point for
// a region writing its own.
func DefaultPolicyJSON() []byte { return bytes.Clone(defaultPolicyJSON) }
