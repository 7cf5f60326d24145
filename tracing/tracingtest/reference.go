// Package tracingtest holds the tracing rules written again the slow,
// obvious way, straight from their text: the reference that package
// tracing's fast functions, and traces run over a stored scan log, are
// checked against. Every function compares everything with everything.
package tracingtest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/tracing"
)

// Stays is tracing.Stays the slow way: for each in scan, the person's
// next scan at that venue decides: an out up to the kind's tracing.MaxStay later
// ends the stay; a later out, an in, or nothing, leaves the default stay,
// cut at that in.
func Stays(points []healthcode.ScanPoint, rules *healthcode.TraceRules) []healthcode.Visit {
	after := func(j, i int) bool { // scan j comes after scan i
		return points[j].At.After(points[i].At) || points[j].At.Equal(points[i].At) && j > i
	}
	type stay struct {
		v  healthcode.Visit
		in int
	}
	keys := make([]string, len(points))
	for i, p := range points {
		keys[i] = p.Key()
	}
	var stays []stay
	for i, p := range points {
		if p.Direction != healthcode.DirectionIn {
			continue
		}
		next := -1
		for j, q := range points {
			if keys[j] == keys[i] && q.VenueID == p.VenueID && after(j, i) && (next < 0 || after(next, j)) {
				next = j
			}
		}
		v := healthcode.Visit{VisitPerson: p.VisitPerson, VenueID: p.VenueID, VenueKind: p.VenueKind, From: p.At}
		if next >= 0 && points[next].Direction == healthcode.DirectionOut && points[next].At.Sub(p.At) <= tracing.MaxStay(p.VenueKind) {
			v.To = points[next].At
		} else {
			d, ok := rules.DefaultStay[p.VenueKind]
			if !ok {
				d = rules.DefaultStayOther
			}
			v.To, v.Estimated = p.At.Add(d), true
			if next >= 0 && points[next].At.Before(v.To) {
				v.To = points[next].At
			}
		}
		stays = append(stays, stay{v, i})
	}
	slices.SortFunc(stays, func(a, b stay) int {
		return cmp.Or(strings.Compare(a.v.VenueID, b.v.VenueID), a.v.From.Compare(b.v.From),
			strings.Compare(a.v.Key(), b.v.Key()), a.v.To.Compare(b.v.To), cmp.Compare(a.in, b.in))
	})
	visits := make([]healthcode.Visit, len(stays))
	for i, s := range stays {
		visits[i] = s.v
	}
	return visits
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// kept is the reference's best exposure of a person so far.
type kept struct {
	e     healthcode.Exposure
	first int       // which case (or counted) visit gave it
	from  time.Time // the exposed person's stay
}

// better is the tie rule of Expose and Secondary written out: a stronger
// degree, an earlier exposure, and on a tie the earlier case visit, then
// the earlier stay; anything else keeps what is kept.
func better(e healthcode.Exposure, first int, k kept, ok bool) bool {
	if !ok {
		return true
	}
	r, kr := healthcode.DegreeRank(e.Degree), healthcode.DegreeRank(k.e.Degree)
	switch {
	case r != kr:
		return r > kr
	case !e.ExposedAt.Equal(k.e.ExposedAt):
		return e.ExposedAt.Before(k.e.ExposedAt)
	}
	return first == k.first && e.From.Before(k.from)
}

func sortedExposures(best map[string]kept) []healthcode.Exposure {
	var list []healthcode.Exposure
	for _, k := range best {
		list = append(list, k.e)
	}
	slices.SortFunc(list, func(a, b healthcode.Exposure) int {
		return cmp.Or(cmp.Compare(healthcode.DegreeRank(b.Degree), healthcode.DegreeRank(a.Degree)),
			a.ExposedAt.Compare(b.ExposedAt), strings.Compare(a.Key(), b.Key()))
	})
	return list
}

// Expose is tracing.Expose the slow way: it compares every case visit
// with every other visit.
func Expose(cases, others []healthcode.Visit, rules *healthcode.TraceRules, caseRef func(string) string) []healthcode.Exposure {
	best := map[string]kept{}
	for ci, c := range cases {
		for _, o := range others {
			if o.VenueID != c.VenueID || o.Key() == c.Key() {
				continue
			}
			wFrom, wTo := c.From.Add(-rules.CompanionWindow), c.To.Add(rules.CompanionWindow)
			if !o.From.Before(wTo) || !o.To.After(wFrom) {
				continue // the stays do not meet, even widened
			}
			overlap := max(earlier(c.To, o.To).Sub(later(c.From, o.From)), 0)
			e := healthcode.Exposure{VisitPerson: o.VisitPerson, CaseKey: c.Key(), CaseRef: caseRef(c.Key()),
				VenueID: o.VenueID, From: o.From, To: o.To, Overlap: overlap, OverlapMin: overlap.Minutes()}
			if overlap > 0 && (overlap >= rules.CloseAfter || slices.Contains(rules.AllCloseKinds, c.VenueKind)) {
				e.Degree, e.ExposedAt = healthcode.DegreeClose, later(c.From, o.From)
			} else {
				e.Degree, e.ExposedAt = healthcode.DegreeCompanion, later(o.From, wFrom)
			}
			k, ok := best[o.Key()]
			if better(e, ci, k, ok) {
				best[o.Key()] = kept{e, ci, o.From}
			}
		}
	}
	return sortedExposures(best)
}

// Secondary is tracing.Secondary the slow way: it compares every counted
// visit of a close contact with every other visit.
func Secondary(contacts []healthcode.Exposure, theirVisits, others []healthcode.Visit, rules *healthcode.TraceRules) []healthcode.Exposure {
	exposedAt := map[string]healthcode.Exposure{}
	left := map[string]bool{}
	for _, e := range contacts {
		if e.Degree != healthcode.DegreeClose {
			continue
		}
		left[e.Key()], left[e.CaseKey] = true, true
		if k, ok := exposedAt[e.Key()]; !ok || e.ExposedAt.Before(k.ExposedAt) {
			exposedAt[e.Key()] = e
		}
	}
	best := map[string]kept{}
	for vi, v := range theirVisits {
		cc, ok := exposedAt[v.Key()]
		if !ok || v.From.Before(cc.ExposedAt) {
			continue
		}
		for _, o := range others {
			if o.VenueID != v.VenueID || left[o.Key()] {
				continue
			}
			overlap := earlier(v.To, o.To).Sub(later(v.From, o.From))
			if overlap <= 0 || overlap < rules.CloseAfter && !slices.Contains(rules.AllCloseKinds, v.VenueKind) {
				continue
			}
			e := healthcode.Exposure{VisitPerson: o.VisitPerson, Degree: healthcode.DegreeSecondary, CaseKey: v.Key(),
				CaseRef: cc.CaseRef, VenueID: o.VenueID, From: o.From, To: o.To, Overlap: overlap,
				OverlapMin: overlap.Minutes(), ExposedAt: later(v.From, o.From)}
			k, ok := best[o.Key()]
			if better(e, vi, k, ok) {
				best[o.Key()] = kept{e, vi, o.From}
			}
		}
	}
	return sortedExposures(best)
}

// VisitString writes every field of a visit, for Diff.
func VisitString(v healthcode.Visit) string {
	return fmt.Sprintf("%q %q %d %s %s %s–%s %v", v.Region, v.Subject, v.PersonID, v.VenueID, v.VenueKind,
		v.From.Format(time.RFC3339Nano), v.To.Format(time.RFC3339Nano), v.Estimated)
}

// ExposureString writes every field of an exposure, for Diff.
func ExposureString(e healthcode.Exposure) string {
	return fmt.Sprintf("%q %q %d %s case=%q ref=%s %s %s–%s ov=%s/%v at=%s", e.Region, e.Subject, e.PersonID, e.Degree,
		e.CaseKey, e.CaseRef, e.VenueID, e.From.Format(time.RFC3339Nano), e.To.Format(time.RFC3339Nano),
		e.Overlap, e.OverlapMin, e.ExposedAt.Format(time.RFC3339Nano))
}

// Diff reports the first difference between two lists written by str.
func Diff[T any](t testing.TB, what string, got, want []T, str func(T) string) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = str(got[i])
		}
		if i < len(want) {
			w = str(want[i])
		}
		if g != w {
			t.Errorf("%s: %d items, want %d; first difference at %d:\n got %s\nwant %s", what, len(got), len(want), i, g, w)
			return
		}
	}
}
