package tracing

import (
	"slices"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// MaxStay is the longest stay an out scan can close at a venue of kind:
// the longest anyone counts as inside it for its occupancy
// (healthcode.DefaultMaxStay: a day in a residential compound, two hours
// in a pharmacy). An out scan later than that ends a forgotten stay, not
// this one. Bounding stays lets a trace read a bounded span of the scan
// log around each window (see Reach).
func MaxStay(kind string) time.Duration { return healthcode.DefaultMaxStay(kind) }

// Reach is the longest any stay at a venue of kind lasts under rules: its
// MaxStay, or a longer default stay. The stays there that meet a span of
// time all began within Reach before it, and Stays sees each whole from
// the scans of the span widened by Reach on both sides.
func Reach(rules *healthcode.TraceRules, kind string) time.Duration {
	return max(MaxStay(kind), defaultStay(rulesOrDefault(rules), kind))
}

// LongestReach is the longest Reach of any kind, for reading one person's
// scans at venues of every kind.
func LongestReach(rules *healthcode.TraceRules) time.Duration {
	reach := Reach(rules, "") // any kind not named: the default stay for others
	for _, kind := range healthcode.VenueKinds {
		reach = max(reach, Reach(rules, kind))
	}
	return reach
}

// Stays turns passed scans, of one person or of many, into stays: the
// visits the exposure rules compare. The scans may come in any order and
// mix people and venues; nil rules are DefaultRules.
//
// Per person (VisitPerson.Key) and venue, in time order:
//   - an in scan opens a stay;
//   - the person's next out scan at that venue closes it, up to the
//     kind's MaxStay later, because an out scan is the only sure sign of
//     leaving;
//   - an out scan later than that is a forgotten stay's end, not this
//     one's: the stay lasts the default stay as if it had none;
//   - an in scan with no out scan before the person's next in scan there
//     (or none at all) lasts the venue kind's default stay and is marked
//     Estimated; it ends at that next in scan at the latest, since the
//     person evidently came in again and cannot have stayed through;
//   - an out scan with no open stay (its in scan was denied, missed, or
//     before the scans given) is ignored: it says when someone left, not
//     when they came.
//
// Stays crossing midnight need nothing special: times are absolute. Scans
// of one person at one venue at the same instant keep their given order
// (the scan log's). The result is sorted by venue, then From, then person
// key, then To.
func Stays(points []healthcode.ScanPoint, rules *healthcode.TraceRules) []healthcode.Visit {
	rules = rulesOrDefault(rules)
	keys := make([]string, len(points))
	order := make([]int, len(points))
	for i := range points {
		keys[i] = points[i].Key()
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := strings.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		if c := strings.Compare(points[a].VenueID, points[b].VenueID); c != 0 {
			return c
		}
		return points[a].At.Compare(points[b].At)
	})

	var visits []healthcode.Visit
	open := -1 // index into points of the open in scan, or -1
	closeEstimated := func(until time.Time, cut bool) {
		in := &points[open]
		to := in.At.Add(defaultStay(rules, in.VenueKind))
		if cut && until.Before(to) {
			to = until
		}
		visits = append(visits, visitOf(in, to, true))
		open = -1
	}
	for n, i := range order {
		p := &points[i]
		if n > 0 {
			prev := order[n-1]
			if keys[prev] != keys[i] || points[prev].VenueID != p.VenueID {
				if open >= 0 {
					closeEstimated(time.Time{}, false)
				}
			}
		}
		switch p.Direction {
		case healthcode.DirectionIn:
			if open >= 0 {
				closeEstimated(p.At, true)
			}
			open = i
		case healthcode.DirectionOut:
			if open >= 0 && p.At.Sub(points[open].At) <= MaxStay(points[open].VenueKind) {
				visits = append(visits, visitOf(&points[open], p.At, false))
				open = -1
			} else if open >= 0 {
				closeEstimated(time.Time{}, false)
			}
		}
	}
	if open >= 0 {
		closeEstimated(time.Time{}, false)
	}

	vkeys := make([]string, len(visits))
	vorder := make([]int, len(visits))
	for i := range visits {
		vkeys[i] = visits[i].Key()
		vorder[i] = i
	}
	slices.SortStableFunc(vorder, func(a, b int) int {
		va, vb := &visits[a], &visits[b]
		if c := strings.Compare(va.VenueID, vb.VenueID); c != 0 {
			return c
		}
		if c := va.From.Compare(vb.From); c != 0 {
			return c
		}
		if c := strings.Compare(vkeys[a], vkeys[b]); c != 0 {
			return c
		}
		return va.To.Compare(vb.To)
	})
	sorted := make([]healthcode.Visit, len(visits))
	for n, i := range vorder {
		sorted[n] = visits[i]
	}
	return sorted
}

func visitOf(in *healthcode.ScanPoint, to time.Time, estimated bool) healthcode.Visit {
	return healthcode.Visit{
		VisitPerson: in.VisitPerson,
		VenueID:     in.VenueID,
		VenueKind:   in.VenueKind,
		From:        in.At,
		To:          to,
		Estimated:   estimated,
	}
}
