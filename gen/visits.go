package gen

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/healthcode/healthcode"
)

// The scan log of a city. Venues differ in how busy they are (a heavy
// tail: a few stations and malls take many people, most pharmacies and
// compounds few), people in how often they go out (a tenth never scan,
// a few scan twenty times as often as most), and each person keeps going
// back to a handful of favourite venues, so that stays overlap the way
// contact tracing expects. A visit is an in scan and, for most, an out
// scan after a stay typical of the venue's kind, at the kind's hours:
// offices in the morning, compounds in the evening until the next morning,
// night shifts through midnight.
//
// The total is exact: person i gets the scans between the shares of the
// people before them and up to them of Config.Scans, shares weighted by
// activity, so the persons can still be made one at a time in any order.

// kindProfile is how a venue kind is generated: its share of the venues,
// how busy one is, and the stays there.
type kindProfile struct {
	kind  string
	share int     // percent of the venues
	busy  float64 // relative visits to one venue of the kind
	name  func(d division, road string, n int) string
	// hours are the bands of the day (China time, in hours) a stay starts
	// in; minStay and maxStay bound its length.
	hours            [][2]float64
	minStay, maxStay time.Duration
}

var kindProfiles = []kindProfile{
	{healthcode.VenueCommunity, 28, 1, func(d division, road string, n int) string { return road + "社区" },
		[][2]float64{{17, 23}}, 8 * time.Hour, 14 * time.Hour},
	{healthcode.VenueOffice, 18, 1.5, func(d division, road string, n int) string { return fmt.Sprintf("%s%s科技大厦", d.county, road) },
		[][2]float64{{7.5, 10}}, 7 * time.Hour, 10 * time.Hour},
	{healthcode.VenueFactory, 5, 3, func(d division, road string, n int) string { return fmt.Sprintf("%s%d号厂区", road, n) },
		[][2]float64{{7, 9}, {19, 21}}, 8 * time.Hour, 12 * time.Hour}, // the night shift crosses midnight
	{healthcode.VenueSchool, 7, 3, func(d division, road string, n int) string { return road + "小学" },
		[][2]float64{{7, 8.5}}, 6 * time.Hour, 9 * time.Hour},
	{healthcode.VenuePharmacy, 10, 0.6, func(d division, road string, n int) string { return "老百姓大药房（" + road + "店）" },
		[][2]float64{{8, 22}}, 5 * time.Minute, 20 * time.Minute},
	{healthcode.VenueSupermarket, 10, 1.5, func(d division, road string, n int) string { return "联华超市（" + road + "店）" },
		[][2]float64{{8, 22}}, 15 * time.Minute, time.Hour},
	{healthcode.VenueMall, 4, 5, func(d division, road string, n int) string { return d.county + "万象城" },
		[][2]float64{{10, 21.5}}, time.Hour, 4 * time.Hour},
	{healthcode.VenueSubway, 6, 8, func(d division, road string, n int) string { return fmt.Sprintf("地铁%d号线%s站", 1+n%9, road) },
		[][2]float64{{6, 23}}, 5 * time.Minute, 40 * time.Minute},
	{healthcode.VenueRailway, 1, 15, func(d division, road string, n int) string { return d.city[:len(d.city)-len("市")] + "东站" },
		[][2]float64{{6, 22}}, 30 * time.Minute, 3 * time.Hour},
	{healthcode.VenueHospital, 4, 4, func(d division, road string, n int) string { return d.county + "人民医院" },
		[][2]float64{{8, 17}}, time.Hour, 5 * time.Hour},
	{healthcode.VenueOther, 7, 1, func(d division, road string, n int) string { return road + "体育馆" },
		[][2]float64{{9, 22}}, 30 * time.Minute, 3 * time.Hour},
}

// Scan shares and shapes.
const (
	defaultScanDays = 30
	// outPercent of the visits end with an out scan.
	outPercent = 80
	// favouritePercent of the visits go to a favourite venue, the rest
	// anywhere (by how busy the venues are).
	favouritePercent = 80
	// activityBlock persons share one stored prefix sum of activity.
	activityBlock = 64
	// busyTail is the Pareto index of how busy venues are: the smaller,
	// the heavier the tail; busyCap caps one venue's draw.
	busyTail = 1.2
	busyCap  = 300
)

// makeVenues makes cfg.Venues venues over the region's districts, the
// kinds in their shares, and how busy each is.
func (c *City) makeVenues() {
	r := c.rng(0, 0x7e)
	n := c.cfg.Venues
	c.venues = make([]Venue, 0, n)
	c.venueKind = make([]uint8, 0, n)
	weights := make([]float64, 0, n)
	// The kinds follow a low-discrepancy sequence, so even a few venues
	// hold every kind in about its share.
	phase := r.Float64()
	for i := range n {
		x := int(math.Mod(phase+float64(i)*0.6180339887498949, 1) * 100)
		k := 0
		for x >= kindProfiles[k].share {
			x -= kindProfiles[k].share
			k++
		}
		kind := &kindProfiles[k]
		d := c.home[r.IntN(len(c.home))]
		road := roads[r.IntN(len(roads))]
		num := 1 + r.IntN(500)
		c.venues = append(c.venues, Venue{
			ID: fmt.Sprintf("V%06d", i+1), Kind: kind.kind, Name: kind.name(d, road, num), Division: d.code,
			Address: fmt.Sprintf("%s%s%d号", d.county, road, num),
		})
		c.venueKind = append(c.venueKind, uint8(k))
		weights = append(weights, kind.busy*min(math.Pow(1-r.Float64(), -1/busyTail), busyCap))
	}
	c.busy = newAlias(weights)
}

// alias draws an index with probability proportional to its weight in
// constant time (Vose's alias method).
type alias struct {
	prob  []float64
	alias []int32
}

func newAlias(w []float64) alias {
	n := len(w)
	a := alias{prob: make([]float64, n), alias: make([]int32, n)}
	total := 0.0
	for _, x := range w {
		total += x
	}
	scaled := make([]float64, n)
	var small, large []int32
	for i, x := range w {
		scaled[i] = x * float64(n) / total
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s], a.alias[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large, small = large[:len(large)-1], append(small, l)
		}
	}
	for _, i := range append(small, large...) {
		a.prob[i], a.alias[i] = 1, i
	}
	return a
}

func (a *alias) draw(r *rand.Rand) int {
	i := r.IntN(len(a.prob))
	if r.Float64() < a.prob[i] {
		return i
	}
	return int(a.alias[i])
}

// activity is how often person i goes out, relative to others: none for
// a tenth, 1, 2, 4, … 64 for the rest, each doubling half as likely.
func (c *City) activity(i int) uint64 {
	if c.flatActivity {
		return 1
	}
	h := splitmix(c.cfg.Seed ^ 0xac71 ^ splitmix(uint64(i)))
	if h%10 == 0 {
		return 0
	}
	return 1 << bits.TrailingZeros64(h>>8|1<<6)
}

// prepareScans sums the activity of the persons, a prefix sum every
// activityBlock persons, so that scansBefore is cheap.
func (c *City) prepareScans() {
	for pass := 0; pass < 2; pass++ {
		n := c.cfg.Persons
		c.activityPrefix = make([]uint64, 0, n/activityBlock+2)
		var total uint64
		for i := range n {
			if i%activityBlock == 0 {
				c.activityPrefix = append(c.activityPrefix, total)
			}
			total += c.activity(i)
		}
		c.activityPrefix = append(c.activityPrefix, total)
		c.activityTotal = total
		if total > 0 || n == 0 {
			return
		}
		c.flatActivity = true // a tiny city where nobody happened to go out
	}
}

// scansBefore is how many of the city's scans belong to persons 0 to i-1.
func (c *City) scansBefore(i int) uint64 {
	if c.activityTotal == 0 {
		return 0
	}
	b := i / activityBlock
	w := c.activityPrefix[b]
	for j := b * activityBlock; j < i; j++ {
		w += c.activity(j)
	}
	hi, lo := bits.Mul64(uint64(c.cfg.Scans), w)
	q, _ := bits.Div64(hi, lo, c.activityTotal) // w ≤ total, so q ≤ Scans
	return q
}

// ScanWindow is when the city's scans happen: ScanDays days up to Now.
func (c *City) ScanWindow() (from, to time.Time) {
	return c.cfg.Now.Add(-time.Duration(c.cfg.ScanDays) * day), c.cfg.Now
}

// scans makes person p's visits: their share of the scans, in time order.
func (c *City) scans(p *Person) {
	q := int(c.scansBefore(p.Index+1) - c.scansBefore(p.Index))
	if q == 0 {
		return
	}
	r := c.rng(p.Index, 0x5ca)
	from, to := c.ScanWindow()
	start, end := from.Unix(), to.Unix() // seconds; every scan in [start, end)
	var fav [6]int
	nfav := 2 + r.IntN(len(fav)-1)
	for k := range nfav {
		fav[k] = c.busy.draw(r)
	}
	// visits visits, outs of them with an out scan: q scans in all.
	visits := max((5*q+4)/9, 1)
	outs := min(q-visits, visits)
	slot := float64(end-start) / float64(visits+1)
	p.Scans = make([]Scan, 0, q)
	cursor := start
	for j := range visits {
		v := fav[0]
		if r.IntN(100) < favouritePercent {
			// The first favourites are the most visited.
			for k := range nfav {
				if r.IntN(k+2) == 0 || k == nfav-1 {
					v = fav[k]
					break
				}
			}
		} else {
			v = c.busy.draw(r)
		}
		kind := &kindProfiles[c.venueKind[v]]
		target := start + int64((float64(j)+r.Float64())*slot)
		at := target
		if slot >= float64(12*3600) {
			// At the kind's hours of the target's day, China time.
			band := kind.hours[r.IntN(len(kind.hours))]
			midnight := (target+8*3600)/86400*86400 - 8*3600
			at = midnight + int64((band[0]+r.Float64()*(band[1]-band[0]))*3600)
			if at >= end {
				at = target
			}
		}
		gap := min(int64(5*60+r.IntN(55*60)), int64(slot/5))
		at = max(at, cursor+gap, start)
		if at >= end {
			// No room left (a person with more scans than the window
			// holds stays): the rest are entries anywhere in it.
			c.scatter(p, r, q-len(p.Scans), start, end)
			break
		}
		stay := int64(kind.minStay/time.Second) + r.Int64N(int64((kind.maxStay-kind.minStay)/time.Second)+1)
		stay = max(min(stay, int64(slot*0.7), end-1-at), 1)
		colour := healthcode.Green
		if kind.kind == healthcode.VenueHospital && r.IntN(10) == 0 {
			colour = healthcode.Yellow // hospitals admit yellow codes, sent there to be tested
		}
		venue := c.venues[v].ID
		p.Scans = append(p.Scans, Scan{Venue: v, VenueID: venue, At: c.at(at), Direction: healthcode.DirectionIn, Colour: colour})
		// outs of the visits-j left end with an out scan.
		if outs > 0 && r.IntN(visits-j) < outs && at+stay < end {
			outs--
			p.Scans = append(p.Scans, Scan{Venue: v, VenueID: venue, At: c.at(at + stay), Direction: healthcode.DirectionOut, Colour: colour})
		}
		cursor = at + stay
	}
	// An out that did not fit before the end becomes an entry too.
	if n := q - len(p.Scans); n > 0 {
		c.scatter(p, r, n, start, end)
	}
}

// scatter adds n entries at busy venues at any time of the window.
func (c *City) scatter(p *Person, r *rand.Rand, n int, start, end int64) {
	for range n {
		v := c.busy.draw(r)
		p.Scans = append(p.Scans, Scan{Venue: v, VenueID: c.venues[v].ID, At: c.at(start + r.Int64N(end-start)),
			Direction: healthcode.DirectionIn, Colour: healthcode.Green})
	}
	slices.SortStableFunc(p.Scans, func(a, b Scan) int { return a.At.Compare(b.At) })
}

func (c *City) at(unix int64) time.Time { return time.Unix(unix, 0).In(china) }
