package status

import (
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// stay records high_risk_area for a stay in division from..to (zero to:
// still there) that overlaps a risk area of a counted level. The fact
// begins where the overlap begins and stops counting lookback after the
// overlap ends: then the overlap has slid out of the look-back window.
func (e *evaluation) stay(division string, from, to time.Time, areas []healthcode.RiskArea) {
	if e.p.colours[rHighRiskArea] == healthcode.Green {
		return
	}
	for i := range areas {
		a := &areas[i]
		if !contains(e.p.levels, a.Level) || !covers(a.Division, division) {
			continue
		}
		start := from
		if a.From.After(start) {
			start = a.From
		}
		end := to
		if !a.Until.IsZero() && (end.IsZero() || a.Until.Before(end)) {
			end = a.Until
		}
		if !end.IsZero() && !end.After(start) {
			continue // no overlap
		}
		var until time.Time
		if !end.IsZero() {
			until = end.Add(e.p.lookback)
		}
		e.interval(rHighRiskArea, start, until)
	}
}

// covers reports whether risk area division area contains place. GB/T 2260
// codes nest: "330100" (a city) covers "330106" (its district) and
// "330000" (a province) covers both, so trailing "00" pairs of a six-digit
// area are dropped before comparing prefixes.
func covers(area, place string) bool {
	if area == "" {
		return false
	}
	prefix := area
	if len(prefix) == 6 {
		for len(prefix) > 2 && strings.HasSuffix(prefix, "00") {
			prefix = prefix[:len(prefix)-2]
		}
	}
	return strings.HasPrefix(place, prefix)
}
