package tracing

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

func visit(who, venue, kind string, from, to time.Time) healthcode.Visit {
	return healthcode.Visit{VisitPerson: person(who), VenueID: venue, VenueKind: kind, From: from, To: to}
}

// exposureString writes an exposure compactly:
// "b close 10:45 ov=15m0s case=A (b@V1 10:45–12:00)".
func exposureString(e healthcode.Exposure) string {
	v := healthcode.Visit{VisitPerson: e.VisitPerson, VenueID: e.VenueID, From: e.From, To: e.To}
	return fmt.Sprintf("%s %s %s ov=%s case=%s (%s)", e.Subject, e.Degree, hm(e.ExposedAt), e.Overlap, e.CaseRef, visitString(v))
}

func exposureStrings(list []healthcode.Exposure) string {
	s := make([]string, len(list))
	for i, e := range list {
		s[i] = exposureString(e)
		if e.OverlapMin != e.Overlap.Minutes() {
			s[i] += fmt.Sprintf(" OverlapMin=%v", e.OverlapMin)
		}
	}
	return strings.Join(s, "\n")
}

// refOf names each case by its subject in upper case.
func refOf(key string) string {
	_, subject, _ := strings.Cut(key, "\x00")
	return strings.ToUpper(subject)
}

func at(h, m, s int) time.Time { return clock(h, m).Add(time.Duration(s) * time.Second) }

func TestExpose(t *testing.T) {
	const sup, ph = healthcode.VenueSupermarket, healthcode.VenuePharmacy
	caseA := visit("a", "V1", sup, clock(10, 0), clock(11, 0)) // window 09:00–12:00
	tests := []struct {
		name   string
		cases  []healthcode.Visit
		others []healthcode.Visit
		rules  *healthcode.TraceRules
		want   []string
	}{
		{"exactly 15 minutes is close", []healthcode.Visit{caseA}, []healthcode.Visit{
			visit("b", "V1", sup, clock(10, 45), clock(12, 0)),
		}, nil, []string{"b close 10:45 ov=15m0s case=A (b@V1 10:45–12:00)"}},
		{"14m59s is a companion", []healthcode.Visit{caseA}, []healthcode.Visit{
			visit("b", "V1", sup, at(10, 45, 1), clock(12, 0)),
		}, nil, []string{"b companion 10:45:01 ov=14m59s case=A (b@V1 10:45:01–12:00)"}},
		{"a stay spanning the case's is close from the case's arrival", []healthcode.Visit{caseA}, []healthcode.Visit{
			visit("b", "V1", sup, clock(7, 0), clock(13, 0)),
		}, nil, []string{"b close 10:00 ov=1h0m0s case=A (b@V1 07:00–13:00)"}},
		{"arriving as the case leaves is a companion", []healthcode.Visit{caseA}, []healthcode.Visit{
			visit("b", "V1", sup, clock(11, 0), clock(11, 30)),
		}, nil, []string{"b companion 11:00 ov=0s case=A (b@V1 11:00–11:30)"}},
		{"window edges", []healthcode.Visit{caseA}, []healthcode.Visit{
			visit("b", "V1", sup, clock(12, 0), clock(12, 30)),                                      // arrives at the window's end: out
			visit("c", "V1", sup, at(11, 59, 59), clock(12, 30)),                                    // a second before: companion
			visit("d", "V1", sup, clock(8, 0), clock(9, 0)),                                         // leaves at the window's start: out
			visit("e", "V1", sup, clock(8, 0), at(9, 0, 1)),                                         // a second after: companion from 09:00
			visit("f", "V1", sup, clock(8, 0), clock(9, 30)),                                        // companion from the window's start
			visit("g", "V2", sup, clock(10, 0), clock(11, 0)),                                       // another venue
			visit("h", "V1", sup, clock(10, 0).Add(-48*time.Hour), clock(11, 0).Add(-48*time.Hour)), // another day
		}, nil, []string{
			"e companion 09:00 ov=0s case=A (e@V1 08:00–09:00:01)",
			"f companion 09:00 ov=0s case=A (f@V1 08:00–09:30)",
			"c companion 11:59:59 ov=0s case=A (c@V1 11:59:59–12:30)",
		}},
		{"any overlap at a pharmacy is close", []healthcode.Visit{visit("a", "P", ph, clock(10, 0), clock(10, 10))}, []healthcode.Visit{
			visit("b", "P", ph, clock(10, 9), clock(10, 20)),
			visit("c", "P", ph, clock(10, 10), clock(10, 20)), // no overlap: companion
		}, nil, []string{
			"b close 10:09 ov=1m0s case=A (b@P 10:09–10:20)",
			"c companion 10:10 ov=0s case=A (c@P 10:10–10:20)",
		}},
		{"pharmacy not all-close under other rules", []healthcode.Visit{visit("a", "P", ph, clock(10, 0), clock(10, 10))}, []healthcode.Visit{
			visit("b", "P", ph, clock(10, 9), clock(10, 20)),
		}, &healthcode.TraceRules{CloseAfter: 15 * time.Minute, CompanionWindow: time.Hour}, []string{
			"b companion 10:09 ov=1m0s case=A (b@P 10:09–10:20)",
		}},
		{"the case person is not their own contact", []healthcode.Visit{caseA}, []healthcode.Visit{
			caseA, visit("a", "V1", sup, clock(11, 30), clock(12, 0)),
		}, nil, nil},
		{"companion window 0", []healthcode.Visit{caseA}, []healthcode.Visit{
			visit("b", "V1", sup, clock(10, 50), clock(11, 10)),
			visit("c", "V1", sup, clock(11, 0), clock(11, 10)),
			visit("d", "V1", sup, clock(9, 0), clock(10, 0)),
		}, &healthcode.TraceRules{CloseAfter: 15 * time.Minute}, []string{
			"b companion 10:50 ov=10m0s case=A (b@V1 10:50–11:10)",
		}},
		{"the strongest degree wins over an earlier one", []healthcode.Visit{
			caseA, visit("a", "V1", sup, clock(14, 0), clock(15, 0)),
		}, []healthcode.Visit{
			visit("b", "V1", sup, clock(11, 30), clock(11, 40)), // companion at 11:30
			visit("b", "V1", sup, clock(14, 30), clock(15, 30)), // close at 14:30
		}, nil, []string{"b close 14:30 ov=30m0s case=A (b@V1 14:30–15:30)"}},
		{"the earliest exposure of a degree wins", []healthcode.Visit{
			visit("x", "V1", sup, clock(14, 0), clock(15, 0)), caseA,
		}, []healthcode.Visit{
			visit("b", "V1", sup, clock(14, 30), clock(15, 30)),
			visit("b", "V1", sup, clock(10, 30), clock(11, 30)),
		}, nil, []string{"b close 10:30 ov=30m0s case=A (b@V1 10:30–11:30)"}},
		{"a tie keeps the first case", []healthcode.Visit{
			visit("x", "V1", sup, clock(10, 0), clock(12, 0)), caseA,
		}, []healthcode.Visit{
			visit("b", "V1", sup, clock(10, 30), clock(11, 30)),
		}, nil, []string{"b close 10:30 ov=1h0m0s case=X (b@V1 10:30–11:30)"}},
		{"another case met is a contact", []healthcode.Visit{
			caseA, visit("x", "V1", sup, clock(10, 30), clock(11, 30)),
		}, []healthcode.Visit{
			caseA, visit("x", "V1", sup, clock(10, 30), clock(11, 30)),
		}, nil, []string{
			"a close 10:30 ov=30m0s case=X (a@V1 10:00–11:00)",
			"x close 10:30 ov=30m0s case=A (x@V1 10:30–11:30)",
		}},
		{"sorted by degree, exposure, person", []healthcode.Visit{caseA}, []healthcode.Visit{
			visit("z", "V1", sup, clock(9, 30), clock(10, 5)),
			visit("c", "V1", sup, clock(10, 30), clock(12, 0)),
			visit("b", "V1", sup, clock(10, 30), clock(11, 0)),
			visit("y", "V1", sup, clock(10, 0), clock(10, 20)),
		}, nil, []string{
			"y close 10:00 ov=20m0s case=A (y@V1 10:00–10:20)",
			"b close 10:30 ov=30m0s case=A (b@V1 10:30–11:00)",
			"c close 10:30 ov=30m0s case=A (c@V1 10:30–12:00)",
			"z companion 09:30 ov=5m0s case=A (z@V1 09:30–10:05)",
		}},
		{"no cases", nil, []healthcode.Visit{caseA}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exposureStrings(Expose(tt.cases, tt.others, tt.rules, refOf))
			if want := strings.Join(tt.want, "\n"); got != want {
				t.Errorf("exposures:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestExposeFields(t *testing.T) {
	c := visit("a", "V1", healthcode.VenueSupermarket, clock(10, 0), clock(11, 0))
	o := visit("b", "V1", healthcode.VenueSupermarket, clock(10, 30), clock(12, 0))
	o.PersonID = 7
	got := Expose([]healthcode.Visit{c}, []healthcode.Visit{o}, nil, nil)
	want := healthcode.Exposure{
		VisitPerson: o.VisitPerson, Degree: healthcode.DegreeClose, CaseKey: c.Key(), VenueID: "V1",
		From: o.From, To: o.To, Overlap: 30 * time.Minute, OverlapMin: 30, ExposedAt: clock(10, 30),
	}
	if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func exposure(who, degree, caseWho string, exposedAt time.Time) healthcode.Exposure {
	return healthcode.Exposure{VisitPerson: person(who), Degree: degree, CaseKey: person(caseWho).Key(),
		CaseRef: strings.ToUpper(caseWho), VenueID: "V1", From: exposedAt, To: exposedAt.Add(time.Hour), ExposedAt: exposedAt}
}

func TestMerge(t *testing.T) {
	const cl, co, se = healthcode.DegreeClose, healthcode.DegreeCompanion, healthcode.DegreeSecondary
	tests := []struct {
		name  string
		lists [][]healthcode.Exposure
		want  []string
	}{
		{"highest degree", [][]healthcode.Exposure{
			{exposure("b", co, "x", clock(9, 0))},
			{exposure("b", cl, "y", clock(12, 0))},
			{exposure("b", se, "z", clock(8, 0))},
		}, []string{"b close 12:00 ov=0s case=Y (b@V1 12:00–13:00)"}},
		{"earliest of that degree", [][]healthcode.Exposure{
			{exposure("b", cl, "x", clock(11, 0))},
			{exposure("b", co, "z", clock(8, 0)), exposure("b", cl, "y", clock(10, 0))},
		}, []string{"b close 10:00 ov=0s case=Y (b@V1 10:00–11:00)"}},
		{"a tie keeps the first", [][]healthcode.Exposure{
			{exposure("b", cl, "x", clock(11, 0))},
			{exposure("b", cl, "y", clock(11, 0))},
		}, []string{"b close 11:00 ov=0s case=X (b@V1 11:00–12:00)"}},
		{"sorted", [][]healthcode.Exposure{
			{exposure("d", co, "x", clock(9, 0)), exposure("c", se, "x", clock(9, 0))},
			{exposure("b", cl, "y", clock(12, 0)), exposure("a", cl, "y", clock(12, 0)), exposure("e", cl, "y", clock(11, 0))},
		}, []string{
			"e close 11:00 ov=0s case=Y (e@V1 11:00–12:00)",
			"a close 12:00 ov=0s case=Y (a@V1 12:00–13:00)",
			"b close 12:00 ov=0s case=Y (b@V1 12:00–13:00)",
			"c secondary 09:00 ov=0s case=X (c@V1 09:00–10:00)",
			"d companion 09:00 ov=0s case=X (d@V1 09:00–10:00)",
		}},
		{"nothing", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exposureStrings(Merge(tt.lists...))
			if want := strings.Join(tt.want, "\n"); got != want {
				t.Errorf("merged:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestSecondary(t *testing.T) {
	const sup, ph = healthcode.VenueSupermarket, healthcode.VenuePharmacy
	// b met case a at 10:00 and is a close contact; c is a companion.
	contacts := []healthcode.Exposure{
		exposure("b", healthcode.DegreeClose, "a", clock(10, 0)),
		exposure("c", healthcode.DegreeCompanion, "a", clock(10, 0)),
	}
	bVisits := []healthcode.Visit{
		visit("b", "V1", sup, clock(9, 0), clock(10, 30)),  // before the exposure: does not count
		visit("b", "V2", sup, clock(14, 0), clock(15, 0)),  // after: counts
		visit("b", "P", ph, clock(16, 0), clock(16, 5)),    // a pharmacy: any overlap
		visit("c", "V3", sup, clock(14, 0), clock(15, 0)),  // a companion's visit: no round
		visit("b", "V4", sup, clock(10, 0), clock(10, 20)), // starts at the exposure: counts
	}
	tests := []struct {
		name     string
		contacts []healthcode.Exposure
		others   []healthcode.Visit
		want     []string
	}{
		{"after the exposure only", contacts, []healthcode.Visit{
			visit("d", "V1", sup, clock(9, 0), clock(10, 30)),
			visit("e", "V2", sup, clock(14, 45), clock(16, 0)),
			visit("f", "V2", sup, at(14, 45, 1), clock(16, 0)), // 14m59s
			visit("g", "P", ph, clock(16, 4), clock(16, 10)),
			visit("h", "V3", sup, clock(14, 0), clock(15, 0)),
			visit("i", "V4", sup, clock(9, 0), clock(11, 0)),
		}, []string{
			"i secondary 10:00 ov=20m0s case=A (i@V4 09:00–11:00)",
			"e secondary 14:45 ov=15m0s case=A (e@V2 14:45–16:00)",
			"g secondary 16:04 ov=1m0s case=A (g@P 16:04–16:10)",
		}},
		{"cases and close contacts left out", append(contacts, exposure("e", healthcode.DegreeClose, "a", clock(10, 0))), []healthcode.Visit{
			visit("a", "V2", sup, clock(14, 0), clock(15, 0)),
			visit("b", "V2", sup, clock(14, 0), clock(15, 0)),
			visit("e", "V2", sup, clock(14, 0), clock(15, 0)),
			visit("c", "V2", sup, clock(14, 0), clock(15, 0)),
		}, []string{"c secondary 14:00 ov=1h0m0s case=A (c@V2 14:00–15:00)"}},
		{"earliest of several", contacts, []healthcode.Visit{
			visit("d", "P", ph, clock(16, 0), clock(16, 1)),
			visit("d", "V2", sup, clock(14, 30), clock(15, 0)),
		}, []string{"d secondary 14:30 ov=30m0s case=A (d@V2 14:30–15:00)"}},
		{"no close contacts", contacts[1:], []healthcode.Visit{
			visit("e", "V2", sup, clock(14, 0), clock(15, 0)),
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Secondary(tt.contacts, bVisits, tt.others, nil)
			if s, want := exposureStrings(got), strings.Join(tt.want, "\n"); s != want {
				t.Errorf("secondary:\n%s\nwant:\n%s", s, want)
			}
			for _, e := range got {
				if e.CaseKey != person("b").Key() {
					t.Errorf("%s: CaseKey %q, want b's", e.Subject, e.CaseKey)
				}
			}
		})
	}
}
