package tracing_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/tracing"
	"github.com/healthcode/healthcode/tracing/tracingtest"
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

// caseRefOf names a case by its key, as the trace names it by document.
func caseRefOf(key string) string { return "ref:" + key }

func TestAgainstReference(t *testing.T) {
	wide := tracing.DefaultRules()
	wide.CloseAfter, wide.CompanionWindow = 30*time.Minute, 2*time.Hour
	wide.AllCloseKinds = []string{healthcode.VenuePharmacy, healthcode.VenueSubway, healthcode.VenueMall}
	wide.DefaultStay = map[string]time.Duration{healthcode.VenueCommunity: 24 * time.Hour, healthcode.VenuePharmacy: 5 * time.Minute}
	narrow := tracing.DefaultRules()
	narrow.CompanionWindow, narrow.AllCloseKinds = 0, nil
	ruleSets := map[string]*healthcode.TraceRules{"default": new(tracing.DefaultRules()), "wide": &wide, "no window": &narrow}

	var seen struct{ estimated, midnight, close, companion, secondary int }
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		points := randomCity(r, 200, 10)
		for name, rules := range ruleSets {
			t.Run(fmt.Sprintf("seed %d %s", seed, name), func(t *testing.T) {
				stays := tracing.Stays(points, rules)
				tracingtest.Diff(t, "stays", stays, tracingtest.Stays(points, rules), tracingtest.VisitString)
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
					got := tracing.Expose(c, stays, rules, caseRefOf)
					tracingtest.Diff(t, "exposures of one case", got, tracingtest.Expose(c, stays, rules, caseRefOf), tracingtest.ExposureString)
					each = append(each, got)
				}
				got := tracing.Expose(all, stays, rules, caseRefOf)
				tracingtest.Diff(t, "exposures of all cases", got, tracingtest.Expose(all, stays, rules, caseRefOf), tracingtest.ExposureString)
				tracingtest.Diff(t, "merged exposures", tracing.Merge(each...), got, tracingtest.ExposureString)
				for _, e := range got {
					switch e.Degree {
					case healthcode.DegreeClose:
						seen.close++
					case healthcode.DegreeCompanion:
						seen.companion++
					}
				}

				second := tracing.Secondary(got, stays, stays, rules)
				tracingtest.Diff(t, "secondary contacts", second, tracingtest.Secondary(got, stays, stays, rules), tracingtest.ExposureString)
				seen.secondary += len(second)
			})
		}
	}
	t.Logf("seen: %+v", seen)
	if seen.estimated == 0 || seen.midnight == 0 || seen.close == 0 || seen.companion == 0 || seen.secondary == 0 {
		t.Errorf("the random city missed a rule: %+v", seen)
	}
}
