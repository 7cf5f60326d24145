package tracing

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// The reference: the rules written again the slow, obvious way, straight
// from their text, and compared with the fast functions on a random city.

// randomCity is people's passed scans at venues over three days: mostly in
// and out pairs, with missing outs, stray outs, double in scans, stays
// through midnight, and times on whole minutes half the time so the
// 15-minute threshold is hit exactly. The scans are shuffled.
func randomCity(r *rand.Rand, people, venues int) []healthcode.ScanPoint {
	start := time.Date(2022, 11, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	kinds := make([]string, venues)
	for i := range kinds {
		kinds[i] = healthcode.VenueKinds[r.IntN(len(healthcode.VenueKinds))]
	}
	kinds[0], kinds[1] = healthcode.VenuePharmacy, healthcode.VenueCommunity
	var points []healthcode.ScanPoint
	for p := range people {
		who := healthcode.VisitPerson{Region: "CN-510100", Subject: fmt.Appendf(nil, "p%03d", p), PersonID: int64(p + 1)}
		if p%17 == 0 {
			who.Region, who.PersonID = "CN-110000", 0 // a visitor from another region
		}
		for range 3 + r.IntN(12) {
			v := r.IntN(venues)
			scan := func(dir string, t time.Time) {
				points = append(points, healthcode.ScanPoint{VisitPerson: who, VenueID: fmt.Sprintf("V%02d", v),
					VenueKind: kinds[v], Direction: dir, At: t})
			}
			var arrive time.Time
			if r.IntN(5) == 0 { // late evening: the stay may cross midnight
				arrive = start.Add(time.Duration(r.IntN(3))*24*time.Hour + 22*time.Hour + time.Duration(r.IntN(3*3600))*time.Second)
			} else {
				arrive = start.Add(time.Duration(r.IntN(3*24*3600)) * time.Second)
			}
			if r.IntN(2) == 0 {
				arrive = arrive.Truncate(time.Minute)
			}
			stay := time.Duration(1+r.IntN(300)) * time.Minute
			if r.IntN(4) == 0 {
				stay += time.Duration(r.IntN(60)) * time.Second
			}
			scan(healthcode.DirectionIn, arrive)
			switch x := r.IntN(100); {
			case x < 20: // no out scan
			case x < 25: // scanned in twice
				scan(healthcode.DirectionIn, arrive.Add(time.Duration(r.IntN(30*60))*time.Second))
				scan(healthcode.DirectionOut, arrive.Add(stay))
			case x < 27: // in and out in the same second
				scan(healthcode.DirectionOut, arrive)
			default:
				scan(healthcode.DirectionOut, arrive.Add(stay))
			}
			if r.IntN(20) == 0 { // an out scan whose in was denied
				scan(healthcode.DirectionOut, arrive.Add(-time.Duration(r.IntN(600))*time.Minute))
			}
		}
	}
	r.Shuffle(len(points), func(i, j int) { points[i], points[j] = points[j], points[i] })
	return points
}

// naiveStays: for each in scan, the person's next scan at that venue
// decides: an out ends the stay; an in, or nothing, leaves the default
// stay, cut at that in.
func naiveStays(points []healthcode.ScanPoint, rules *healthcode.TraceRules) []healthcode.Visit {
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
		if next >= 0 && points[next].Direction == healthcode.DirectionOut {
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

// naiveExpose compares every case visit with every other visit.
func naiveExpose(cases, others []healthcode.Visit, rules *healthcode.TraceRules, caseRef func(string) string) []healthcode.Exposure {
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

// naiveSecondary compares every counted visit of a close contact with
// every other visit.
func naiveSecondary(contacts []healthcode.Exposure, theirVisits, others []healthcode.Visit, rules *healthcode.TraceRules) []healthcode.Exposure {
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

func fullVisit(v healthcode.Visit) string {
	return fmt.Sprintf("%q %q %d %s %s %s–%s %v", v.Region, v.Subject, v.PersonID, v.VenueID, v.VenueKind,
		v.From.Format(time.RFC3339Nano), v.To.Format(time.RFC3339Nano), v.Estimated)
}

func fullExposure(e healthcode.Exposure) string {
	return fmt.Sprintf("%q %q %d %s case=%q ref=%s %s %s–%s ov=%s/%v at=%s", e.Region, e.Subject, e.PersonID, e.Degree,
		e.CaseKey, e.CaseRef, e.VenueID, e.From.Format(time.RFC3339Nano), e.To.Format(time.RFC3339Nano),
		e.Overlap, e.OverlapMin, e.ExposedAt.Format(time.RFC3339Nano))
}

// diff reports the first difference between two lists written by str.
func diff[T any](t *testing.T, what string, got, want []T, str func(T) string) {
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

func TestAgainstReference(t *testing.T) {
	wide := DefaultRules()
	wide.CloseAfter, wide.CompanionWindow = 30*time.Minute, 2*time.Hour
	wide.AllCloseKinds = []string{healthcode.VenuePharmacy, healthcode.VenueSubway, healthcode.VenueMall}
	wide.DefaultStay = map[string]time.Duration{healthcode.VenueCommunity: 24 * time.Hour, healthcode.VenuePharmacy: 5 * time.Minute}
	narrow := DefaultRules()
	narrow.CompanionWindow, narrow.AllCloseKinds = 0, nil
	ruleSets := map[string]*healthcode.TraceRules{"default": new(DefaultRules()), "wide": &wide, "no window": &narrow}

	var seen struct{ estimated, midnight, close, companion, secondary int }
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		points := randomCity(r, 200, 10)
		for name, rules := range ruleSets {
			t.Run(fmt.Sprintf("seed %d %s", seed, name), func(t *testing.T) {
				stays := Stays(points, rules)
				diff(t, "stays", stays, naiveStays(points, rules), fullVisit)
				for _, v := range stays {
					if v.Estimated {
						seen.estimated++
					}
					if v.From.YearDay() != v.To.Add(-time.Nanosecond).In(v.From.Location()).YearDay() {
						seen.midnight++
					}
				}

				// Cases: a few people, one at a time and all together.
				var cases [][]healthcode.Visit
				var all []healthcode.Visit
				for range 5 {
					key := stays[r.IntN(len(stays))].Key()
					var visits []healthcode.Visit
					for _, v := range stays {
						if v.Key() == key {
							visits = append(visits, v)
						}
					}
					cases = append(cases, visits)
					all = append(all, visits...)
				}
				var each [][]healthcode.Exposure
				for _, c := range cases {
					got := Expose(c, stays, rules, refOf)
					diff(t, "exposures of one case", got, naiveExpose(c, stays, rules, refOf), fullExposure)
					each = append(each, got)
				}
				got := Expose(all, stays, rules, refOf)
				diff(t, "exposures of all cases", got, naiveExpose(all, stays, rules, refOf), fullExposure)
				diff(t, "merged exposures", Merge(each...), got, fullExposure)
				for _, e := range got {
					switch e.Degree {
					case healthcode.DegreeClose:
						seen.close++
					case healthcode.DegreeCompanion:
						seen.companion++
					}
				}

				second := Secondary(got, stays, stays, rules)
				diff(t, "secondary contacts", second, naiveSecondary(got, stays, stays, rules), fullExposure)
				seen.secondary += len(second)
			})
		}
	}
	t.Logf("seen: %+v", seen)
	if seen.estimated == 0 || seen.midnight == 0 || seen.close == 0 || seen.companion == 0 || seen.secondary == 0 {
		t.Errorf("the random city missed a rule: %+v", seen)
	}
}
