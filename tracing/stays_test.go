package tracing

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// t0 is 10:00 on a day in the test's time zone; clock(h, m) is that day's
// h:m (h may pass 24 for the next day).
var t0 = time.Date(2022, 11, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func clock(h, m int) time.Time {
	return t0.Add(time.Duration(h-10)*time.Hour + time.Duration(m)*time.Minute)
}

func person(name string) healthcode.VisitPerson {
	return healthcode.VisitPerson{Region: "CN-510100", Subject: []byte(name)}
}

func in(who, venue, kind string, at time.Time) healthcode.ScanPoint {
	return healthcode.ScanPoint{VisitPerson: person(who), VenueID: venue, VenueKind: kind, Direction: healthcode.DirectionIn, At: at}
}

func out(who, venue, kind string, at time.Time) healthcode.ScanPoint {
	p := in(who, venue, kind, at)
	p.Direction = healthcode.DirectionOut
	return p
}

// visitString writes a visit compactly: "a@V1 10:00–11:00", with a "~" for
// an estimated stay and the day when not the first.
func visitString(v healthcode.Visit) string {
	s := fmt.Sprintf("%s@%s %s–%s", v.Subject, v.VenueID, hm(v.From), hm(v.To))
	if v.Estimated {
		s += "~"
	}
	return s
}

func hm(t time.Time) string {
	t = t.In(t0.Location())
	s := t.Format("15:04")
	if t.Second() != 0 {
		s = t.Format("15:04:05")
	}
	if d := t.YearDay() - t0.YearDay(); d != 0 {
		s = fmt.Sprintf("%s+%dd", s, d)
	}
	return s
}

func TestStays(t *testing.T) {
	const (
		sup = healthcode.VenueSupermarket // 1h
		ph  = healthcode.VenuePharmacy    // 15m
		com = healthcode.VenueCommunity   // 12h
	)
	tests := []struct {
		name   string
		points []healthcode.ScanPoint
		rules  *healthcode.TraceRules
		want   []string
	}{
		{"in and out", []healthcode.ScanPoint{
			in("a", "V1", sup, clock(10, 0)), out("a", "V1", sup, clock(10, 40)),
		}, nil, []string{"a@V1 10:00–10:40"}},
		{"missing out takes the kind's default stay", []healthcode.ScanPoint{
			in("a", "V1", sup, clock(10, 0)), in("b", "V2", ph, clock(10, 0)), in("c", "V3", "other", clock(10, 0)),
			in("d", "V4", "unknown-kind", clock(10, 0)),
		}, nil, []string{"a@V1 10:00–11:00~", "b@V2 10:00–10:15~", "c@V3 10:00–12:00~", "d@V4 10:00–12:00~"}},
		{"out without in is ignored", []healthcode.ScanPoint{
			out("a", "V1", sup, clock(9, 0)), in("a", "V1", sup, clock(10, 0)), out("a", "V1", sup, clock(10, 30)),
			out("a", "V1", sup, clock(10, 45)), out("b", "V1", sup, clock(10, 0)),
		}, nil, []string{"a@V1 10:00–10:30"}},
		{"an out later than the kind's longest stay does not end the stay", []healthcode.ScanPoint{
			in("a", "V1", com, clock(20, 0)), out("a", "V1", com, clock(44, 1)),
			in("b", "V1", com, clock(20, 0)), out("b", "V1", com, clock(44, 0)),
			in("c", "V2", ph, clock(10, 0)), out("c", "V2", ph, clock(12, 1)),
			in("d", "V2", ph, clock(10, 0)), out("d", "V2", ph, clock(12, 0)),
		}, nil, []string{"a@V1 20:00–08:00+1d~", "b@V1 20:00–20:00+1d", "c@V2 10:00–10:15~", "d@V2 10:00–12:00"}},
		{"stays crossing midnight", []healthcode.ScanPoint{
			in("a", "V1", sup, clock(23, 30)), out("a", "V1", sup, clock(24, 45)),
			in("b", "V2", com, clock(20, 0)),
		}, nil, []string{"a@V1 23:30–00:45+1d", "b@V2 20:00–08:00+1d~"}},
		{"two visits at one venue", []healthcode.ScanPoint{
			in("a", "V1", sup, clock(10, 0)), out("a", "V1", sup, clock(10, 20)),
			in("a", "V1", sup, clock(15, 0)), out("a", "V1", sup, clock(15, 50)),
		}, nil, []string{"a@V1 10:00–10:20", "a@V1 15:00–15:50"}},
		{"estimated stay cut at the next in", []healthcode.ScanPoint{
			in("a", "V1", sup, clock(10, 0)), in("a", "V1", sup, clock(10, 20)), out("a", "V1", sup, clock(10, 50)),
		}, nil, []string{"a@V1 10:00–10:20~", "a@V1 10:20–10:50"}},
		{"estimated stay not cut by a later in", []healthcode.ScanPoint{
			in("a", "V1", sup, clock(10, 0)), in("a", "V1", sup, clock(13, 0)),
		}, nil, []string{"a@V1 10:00–11:00~", "a@V1 13:00–14:00~"}},
		{"an out long after the default stay closes the stay", []healthcode.ScanPoint{
			in("a", "V1", ph, clock(10, 0)), out("a", "V1", ph, clock(11, 45)),
		}, nil, []string{"a@V1 10:00–11:45"}},
		{"venues are separate", []healthcode.ScanPoint{
			in("a", "V1", sup, clock(10, 0)), in("a", "V2", ph, clock(10, 5)), out("a", "V1", sup, clock(10, 30)),
		}, nil, []string{"a@V1 10:00–10:30", "a@V2 10:05–10:20~"}},
		{"people are separate", []healthcode.ScanPoint{
			in("a", "V1", sup, clock(10, 0)), in("b", "V1", sup, clock(10, 5)), out("b", "V1", sup, clock(10, 10)),
		}, nil, []string{"a@V1 10:00–11:00~", "b@V1 10:05–10:10"}},
		{"same subject in two regions is two people", []healthcode.ScanPoint{
			in("a", "V1", sup, clock(10, 0)),
			func() healthcode.ScanPoint {
				p := out("a", "V1", sup, clock(10, 30))
				p.Region = "CN-110000"
				return p
			}(),
		}, nil, []string{"a@V1 10:00–11:00~"}},
		{"scans in any order, sorted by venue, from, person", []healthcode.ScanPoint{
			out("b", "V2", sup, clock(12, 0)), in("c", "V1", sup, clock(10, 0)), out("a", "V1", sup, clock(11, 0)),
			in("b", "V2", sup, clock(9, 0)), in("a", "V1", sup, clock(10, 0)), in("b", "V1", sup, clock(9, 30)),
		}, nil, []string{"b@V1 09:30–10:30~", "a@V1 10:00–11:00", "c@V1 10:00–11:00~", "b@V2 09:00–12:00"}},
		{"rules' default stays", []healthcode.ScanPoint{
			in("a", "V1", sup, clock(10, 0)), in("b", "V2", ph, clock(10, 0)),
		}, &healthcode.TraceRules{DefaultStay: map[string]time.Duration{sup: 20 * time.Minute}, DefaultStayOther: 3 * time.Hour},
			[]string{"a@V1 10:00–10:20~", "b@V2 10:00–13:00~"}},
		{"no scans", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, v := range Stays(tt.points, tt.rules) {
				got = append(got, visitString(v))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("stays:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestStaysKeepsPerson: a visit names its person and venue kind as the in
// scan did.
func TestStaysKeepsPerson(t *testing.T) {
	p := in("a", "V1", healthcode.VenueMall, clock(10, 0))
	p.PersonID = 42
	got := Stays([]healthcode.ScanPoint{p}, nil)
	if len(got) != 1 || got[0].PersonID != 42 || got[0].Region != "CN-510100" || got[0].VenueKind != healthcode.VenueMall ||
		!got[0].Estimated || got[0].To.Sub(got[0].From) != 2*time.Hour {
		t.Errorf("got %+v", got)
	}
}

func TestDefaultRules(t *testing.T) {
	r := DefaultRules()
	if r.CloseAfter != 15*time.Minute || r.CompanionWindow != time.Hour || r.DefaultStayOther != 2*time.Hour ||
		r.SecondRound || r.InfectiousBefore != 48*time.Hour {
		t.Errorf("DefaultRules = %+v", r)
	}
	for kind := range r.DefaultStay {
		found := false
		for _, k := range healthcode.VenueKinds {
			found = found || k == kind
		}
		if !found {
			t.Errorf("DefaultStay names %q, not a venue kind", kind)
		}
	}
	for _, kind := range r.AllCloseKinds {
		if _, ok := r.DefaultStay[kind]; !ok {
			t.Errorf("all-close kind %q has no default stay", kind)
		}
	}
	// Each call is a fresh copy.
	r.DefaultStay[healthcode.VenuePharmacy] = time.Hour
	r.AllCloseKinds[0] = "x"
	if d := DefaultRules(); d.DefaultStay[healthcode.VenuePharmacy] != 15*time.Minute || d.AllCloseKinds[0] != healthcode.VenuePharmacy {
		t.Error("DefaultRules shares its map or list")
	}
}

func TestReach(t *testing.T) {
	long := DefaultRules()
	long.DefaultStay = map[string]time.Duration{healthcode.VenueCommunity: 48 * time.Hour}
	other := DefaultRules()
	other.DefaultStayOther = 30 * time.Hour
	tests := []struct {
		name    string
		rules   *healthcode.TraceRules
		kind    string
		want    time.Duration
		longest time.Duration
	}{
		{"a compound: a day", nil, healthcode.VenueCommunity, 24 * time.Hour, 24 * time.Hour},
		{"a pharmacy: two hours", nil, healthcode.VenuePharmacy, 2 * time.Hour, 24 * time.Hour},
		{"a railway station: four hours", nil, healthcode.VenueRailway, 4 * time.Hour, 24 * time.Hour},
		{"a longer default stay", &long, healthcode.VenueCommunity, 48 * time.Hour, 48 * time.Hour},
		{"a longer default for other kinds", &other, "unknown-kind", 30 * time.Hour, 30 * time.Hour},
	}
	for _, tt := range tests {
		if got := Reach(tt.rules, tt.kind); got != tt.want {
			t.Errorf("%s: Reach = %v, want %v", tt.name, got, tt.want)
		}
		if got := LongestReach(tt.rules); got != tt.longest {
			t.Errorf("%s: LongestReach = %v, want %v", tt.name, got, tt.longest)
		}
	}
}
