package tracing

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// Expose names the people exposed to cases: for each case visit, every
// other person's visit at the same venue is compared with it. Nil rules
// are DefaultRules; caseRef, if not nil, gives each exposure's CaseRef from
// the case's VisitPerson.Key.
//
// With overlap the length of the intersection of the two stays [From, To):
//   - close: overlap >= CloseAfter, or any overlap > 0 at a venue whose
//     kind is in AllCloseKinds (a small room where a minute is enough);
//     exposed at the start of the overlap;
//   - companion (时空伴随者): otherwise, when the other's stay intersects the
//     case's stay widened by CompanionWindow on both sides; exposed at the
//     other's arrival, or at the start of the widened window if they were
//     already there.
//
// The case person's own visits (same Key) are never exposures; other
// cases are, if they met: the caller knows who the cases are.
//
// Each person is named once: with the strongest degree (DegreeRank), then
// the earliest ExposedAt; on a tie the earlier case visit in cases wins,
// then the person's visit with the earlier From, then the one given first
// in others. The result is sorted by degree rank, strongest first, then
// ExposedAt, then person key.
//
// Others are grouped by venue and sorted by From once, so each case visit
// looks only at the stays that can reach its window: a city's day of
// visits costs a sort, and each case a binary search and its neighbours.
// Times must lie within the years 1678 to 2262 (they are compared as
// nanoseconds since 1970).
func Expose(cases []healthcode.Visit, others []healthcode.Visit, rules *healthcode.TraceRules, caseRef func(caseKey string) string) []healthcode.Exposure {
	rules = rulesOrDefault(rules)
	venues := make(map[string]struct{})
	for i := range cases {
		venues[cases[i].VenueID] = struct{}{}
	}
	var found finder
	groups := indexVisits(others, venues)
	window := int64(rules.CompanionWindow)
	closeAfter := int64(rules.CloseAfter)

	caseKeys := make([]string, len(cases))
	for ci := range cases {
		c := &cases[ci]
		caseKeys[ci] = c.Key()
		g := groups[c.VenueID]
		if g == nil {
			continue
		}
		self := found.id(c.VisitPerson)
		cf, ct := c.From.UnixNano(), c.To.UnixNano()
		wf, wt := cf-window, ct+window
		anyClose := allClose(rules, c.VenueKind)
		near := g.near(wf, wt)
		for i := range near {
			e := &near[i]
			if e.to <= wf || found.person(e) == self {
				continue
			}
			ov := min(ct, e.to) - max(cf, e.from)
			var h *hit
			if ov > 0 && (ov >= closeAfter || anyClose) {
				// Close from the start of the overlap.
				if h = found.consider(e.person, rankClose, max(cf, e.from)); h == nil {
					continue
				}
				h.when = c.From
				if e.from > cf {
					h.when = e.v.From
				}
			} else {
				// A companion from their arrival, or from the start of the
				// window if they were there before it.
				if h = found.consider(e.person, rankCompanion, max(wf, e.from)); h == nil {
					continue
				}
				h.when = c.From.Add(-rules.CompanionWindow)
				if e.from > wf {
					h.when = e.v.From
				}
			}
			h.src, h.o, h.overlap = int32(ci), e.v, max(ov, 0)
		}
	}

	refs := make(map[string]string)
	return found.sorted(func(h *hit) healthcode.Exposure {
		key := caseKeys[h.src]
		ref, ok := refs[key]
		if !ok && caseRef != nil {
			ref = caseRef(key)
			refs[key] = ref
		}
		return exposureOf(h, key, ref)
	})
}

// Secondary is the second round, for policies that ask for it: the people
// who shared a venue with a close contact after the close contact was
// exposed, and so may have caught it from them. Nil rules are
// DefaultRules.
//
// closeContacts are exposures from Expose or Merge; only those of degree
// close count (the others are ignored, so a whole trace may be passed),
// each person from their earliest ExposedAt. theirVisits are the close
// contacts' visits; only those starting at or after the person's ExposedAt
// count. others are everybody's visits. Anyone whose stay overlaps a
// counted visit at the same venue by at least CloseAfter, or at all at a
// venue of AllCloseKinds, is secondary, exposed at the start of that
// overlap, with CaseKey the close contact's key and CaseRef the close
// contact's (the case the chain started from).
//
// The close contacts themselves and their cases (the CaseKeys) are left
// out: they already have a stronger or equal finding, and the caller
// merges the rounds anyway. Each person is named once, at the earliest
// ExposedAt (on a tie: the earlier counted visit in theirVisits, then the
// earlier From); the result is sorted like Expose's.
func Secondary(closeContacts []healthcode.Exposure, theirVisits []healthcode.Visit, others []healthcode.Visit, rules *healthcode.TraceRules) []healthcode.Exposure {
	rules = rulesOrDefault(rules)
	type contact struct {
		at  time.Time
		ref string
	}
	contacts := make(map[string]contact)
	excluded := make(map[string]bool)
	for i := range closeContacts {
		e := &closeContacts[i]
		if e.Degree != healthcode.DegreeClose {
			continue
		}
		k := e.Key()
		excluded[k] = true
		if e.CaseKey != "" {
			excluded[e.CaseKey] = true
		}
		if c, ok := contacts[k]; !ok || e.ExposedAt.Before(c.at) {
			contacts[k] = contact{e.ExposedAt, e.CaseRef}
		}
	}

	type counted struct {
		v   *healthcode.Visit
		key string
		ref string
	}
	var visits []counted
	venues := make(map[string]struct{})
	for i := range theirVisits {
		v := &theirVisits[i]
		k := v.Key()
		c, ok := contacts[k]
		if !ok || v.From.Before(c.at) {
			continue
		}
		visits = append(visits, counted{v, k, c.ref})
		venues[v.VenueID] = struct{}{}
	}
	// The people left out are numbered first: 0 to left-1. A key is
	// Region + "\x00" + Subject, and region codes hold no NUL.
	var found finder
	for k := range excluded {
		region, subject, _ := strings.Cut(k, "\x00")
		found.id(healthcode.VisitPerson{Region: region, Subject: []byte(subject)})
	}
	left := int32(len(found.keys))
	groups := indexVisits(others, venues)
	closeAfter := int64(rules.CloseAfter)

	for vi, cv := range visits {
		v := cv.v
		g := groups[v.VenueID]
		if g == nil {
			continue
		}
		vf, vt := v.From.UnixNano(), v.To.UnixNano()
		anyClose := allClose(rules, v.VenueKind)
		near := g.near(vf, vt)
		for i := range near {
			e := &near[i]
			if e.to <= vf {
				continue
			}
			if found.person(e) < left {
				continue
			}
			ov := min(vt, e.to) - max(vf, e.from)
			if ov <= 0 || (ov < closeAfter && !anyClose) {
				continue
			}
			h := found.consider(e.person, rankSecondary, max(vf, e.from))
			if h == nil {
				continue
			}
			h.when = v.From
			if e.from > vf {
				h.when = e.v.From
			}
			h.src, h.o, h.overlap = int32(vi), e.v, ov
		}
	}
	return found.sorted(func(h *hit) healthcode.Exposure {
		return exposureOf(h, visits[h.src].key, visits[h.src].ref)
	})
}

// Merge joins the exposures of several traces (an outbreak's cases, or
// the two rounds of one trace) so that each person is named once: with
// the highest degree found, exposed at the earliest ExposedAt among their
// exposures of that degree, with that exposure's case and stay (on a tie,
// the first given). The result is sorted like Expose's.
func Merge(lists ...[]healthcode.Exposure) []healthcode.Exposure {
	var found finder
	for _, list := range lists {
		for i := range list {
			e := &list[i]
			if h := found.consider(found.id(e.VisitPerson), int32(healthcode.DegreeRank(e.Degree)), e.ExposedAt.UnixNano()); h != nil {
				h.exposure = e
			}
		}
	}
	return found.sorted(func(h *hit) healthcode.Exposure { return *h.exposure })
}

var (
	rankClose     = int32(healthcode.DegreeRank(healthcode.DegreeClose))
	rankSecondary = int32(healthcode.DegreeRank(healthcode.DegreeSecondary))
	rankCompanion = int32(healthcode.DegreeRank(healthcode.DegreeCompanion))
)

// degreeOf is the degree of a rank Expose and Secondary give.
func degreeOf(rank int32) string {
	switch rank {
	case rankClose:
		return healthcode.DegreeClose
	case rankSecondary:
		return healthcode.DegreeSecondary
	}
	return healthcode.DegreeCompanion
}

func exposureOf(h *hit, caseKey, caseRef string) healthcode.Exposure {
	d := time.Duration(h.overlap)
	return healthcode.Exposure{
		VisitPerson: h.o.VisitPerson,
		Degree:      degreeOf(h.rank),
		CaseKey:     caseKey,
		CaseRef:     caseRef,
		VenueID:     h.o.VenueID,
		From:        h.o.From,
		To:          h.o.To,
		Overlap:     d,
		OverlapMin:  d.Minutes(),
		ExposedAt:   h.when,
	}
}

// finder keeps the strongest, earliest exposure of each person. People
// are numbered as they are first seen, so the inner loops of Expose and
// Secondary index slices instead of hashing keys, and a kept exposure is
// a small hit, made into an Exposure once at the end.
type finder struct {
	ids  map[string]map[string]int32 // region → subject → number
	keys []string                    // by number
	best []best                      // by number
	hits []hit
}

// best is what consider compares, kept small and by person so that
// turning a candidate down reads one cache line.
type best struct {
	at   int64 // ExposedAt as Unix nanoseconds
	rank int32
	slot int32 // index into hits, or -1
}

// hit is a kept exposure: rank and at decide, the rest describes it for
// the caller's build function.
type hit struct {
	rank     int32
	owner    int32             // the person's number
	at       int64             // ExposedAt as Unix nanoseconds
	when     time.Time         // ExposedAt
	src      int32             // the case visit (or counted visit) it came from
	o        *healthcode.Visit // the exposed person's stay
	overlap  int64
	exposure *healthcode.Exposure // Merge: the exposure kept
}

// id numbers person p. Subjects are looked up per region so that no key
// is built for a person already numbered.
func (f *finder) id(p healthcode.VisitPerson) int32 {
	m := f.ids[p.Region]
	if id, ok := m[string(p.Subject)]; ok {
		return id
	}
	if m == nil {
		if f.ids == nil {
			f.ids = make(map[string]map[string]int32)
		}
		m = make(map[string]int32)
		f.ids[p.Region] = m
	}
	id := int32(len(f.keys))
	m[string(p.Subject)] = id
	f.keys = append(f.keys, p.Key())
	f.best = append(f.best, best{slot: -1})
	return id
}

// person numbers the person of an indexed visit the first time it is
// needed: most visits of a city never come near a case.
func (f *finder) person(e *entry) int32 {
	if e.person < 0 {
		e.person = f.id(e.v.VisitPerson)
	}
	return e.person
}

// consider returns the hit to fill in for an exposure of person id, of
// rank, at at, when it beats what is kept (a stronger rank, or the same
// rank earlier), or nil when it does not: a tie keeps what is kept.
func (f *finder) consider(id int32, rank int32, at int64) *hit {
	b := &f.best[id]
	if b.slot >= 0 {
		if rank < b.rank || rank == b.rank && at >= b.at {
			return nil
		}
		b.rank, b.at = rank, at
		h := &f.hits[b.slot]
		*h = hit{rank: rank, owner: id, at: at}
		return h
	}
	*b = best{at: at, rank: rank, slot: int32(len(f.hits))}
	f.hits = append(f.hits, hit{rank: rank, owner: id, at: at})
	return &f.hits[len(f.hits)-1]
}

// sorted builds the kept exposures sorted by rank, strongest first, then
// ExposedAt, then person key. It reorders the hits, so it is the finder's
// last use.
func (f *finder) sorted(build func(h *hit) healthcode.Exposure) []healthcode.Exposure {
	slices.SortFunc(f.hits, func(a, b hit) int {
		if c := cmp.Compare(b.rank, a.rank); c != 0 {
			return c
		}
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return strings.Compare(f.keys[a.owner], f.keys[b.owner])
	})
	out := make([]healthcode.Exposure, len(f.hits))
	for i := range f.hits {
		out[i] = build(&f.hits[i])
	}
	return out
}

// entry is an indexed visit: its times as Unix nanoseconds, its place in
// the visits given, and its person's number in a finder once known (-1
// before).
type entry struct {
	from, to int64
	index    int32
	person   int32
	v        *healthcode.Visit
}

// venueGroup is the visits at one venue sorted by From, with maxTo[i] the
// latest To among entries[:i+1]: entries before the first maxTo past a
// time all ended by then, however long some stay was.
type venueGroup struct {
	entries []entry
	maxTo   []int64
}

// indexVisits groups the visits at the wanted venues.
func indexVisits(visits []healthcode.Visit, venues map[string]struct{}) map[string]*venueGroup {
	groups := make(map[string]*venueGroup, len(venues))
	for i := range visits {
		v := &visits[i]
		if _, ok := venues[v.VenueID]; !ok {
			continue
		}
		g := groups[v.VenueID]
		if g == nil {
			g = &venueGroup{}
			groups[v.VenueID] = g
		}
		g.entries = append(g.entries, entry{from: v.From.UnixNano(), to: v.To.UnixNano(), index: int32(i), person: -1, v: v})
	}
	for _, g := range groups {
		slices.SortFunc(g.entries, func(a, b entry) int { return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.index, b.index)) })
		g.maxTo = make([]int64, len(g.entries))
		var latest int64
		for i := range g.entries {
			e := &g.entries[i]
			if i == 0 || e.to > latest {
				latest = e.to
			}
			g.maxTo[i] = latest
		}
	}
	return groups
}

// near returns the entries that may intersect [from, to): those starting
// before to, less a prefix that had all ended by from. The caller still
// checks each entry's To.
func (g *venueGroup) near(from, to int64) []entry {
	hi := sort.Search(len(g.entries), func(i int) bool { return g.entries[i].from >= to })
	lo := sort.Search(hi, func(i int) bool { return g.maxTo[i] > from })
	return g.entries[lo:hi]
}
