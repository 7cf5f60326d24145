package node_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gen"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
	"github.com/healthcode/healthcode/tracing"
	"github.com/healthcode/healthcode/tracing/tracingtest"
)

// A trace over a generated city's stored scan log names exactly the
// people the rules name when written the slow way over the whole log
// (package tracingtest): one case at a time and all together, with the
// national rules and with wider ones and a second round. The city's
// stays cross midnight (compounds overnight, night shifts) and a fifth
// have no out scan; scans added by hand near the cases give stays whose
// out came later than the kind's longest stay, outs with no in and
// doubled ins.
func TestTraceMatchesReferenceOnACity(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpenDB(t)
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	city, err := gen.NewCity(gen.Config{Persons: 800, Venues: 16, Scans: 8000, ScanDays: 3, Seed: 7, Region: region, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gen.Run(ctx, city, gen.Options{Store: db, Batch: 400}); err != nil {
		t.Fatal(err)
	}
	start, _ := city.ScanWindow()
	points := storedPoints(t, db)
	r := rand.New(rand.NewPCG(7, 5))
	cases, caseIDs := pickCases(t, db, city, points, r, 6)
	from, to := start.Add(24*time.Hour), now
	var caseVisits []healthcode.Visit
	for i := range cases {
		cases[i].From, cases[i].To = from, to
		key := caseIDs[cases[i].IDNumber].Key()
		for _, v := range tracing.Stays(points, nil) {
			if v.Key() == key && !v.From.Before(from) {
				caseVisits = append(caseVisits, v)
			}
		}
	}
	addOddScans(t, db, caseVisits, caseIDs)
	points = storedPoints(t, db)

	wide := tracing.DefaultRules()
	wide.CloseAfter, wide.CompanionWindow, wide.SecondRound = 30*time.Minute, 2*time.Hour, true
	wide.AllCloseKinds = []string{healthcode.VenuePharmacy, healthcode.VenueSubway}
	var seen struct{ estimated, midnight, close, companion, secondary int }
	for name, rules := range map[string]healthcode.TraceRules{"national": tracing.DefaultRules(), "wide": wide} {
		tracer := &node.TraceService{Store: db, Region: region, Rules: func() healthcode.TraceRules { return rules },
			Now: func() time.Time { return now.Add(time.Hour) }}
		stays := tracingtest.Stays(points, &rules)
		want := func(cases []healthcode.TraceCase) ([]healthcode.Visit, []healthcode.Exposure) {
			refs, caseKeys := map[string]string{}, map[string]bool{}
			var visits []healthcode.Visit
			for _, c := range cases {
				key := caseIDs[c.IDNumber].Key()
				refs[key], caseKeys[key] = idnum.MaskID(c.IDNumber), true
				visits = append(visits, slices.DeleteFunc(slices.Clone(stays), func(v healthcode.Visit) bool {
					return v.Key() != key || v.From.Before(c.From) || !v.From.Before(c.To)
				})...)
			}
			exposed := tracingtest.Expose(visits, stays, &rules, func(k string) string { return refs[k] })
			if rules.SecondRound {
				// The close contacts' visits since their exposure, in the
				// order of the exposures: ties between two of them at one
				// instant go to the first.
				var theirs []healthcode.Visit
				for _, e := range exposed {
					if e.Degree == healthcode.DegreeClose {
						theirs = append(theirs, slices.DeleteFunc(slices.Clone(stays), func(v healthcode.Visit) bool {
							return v.Key() != e.Key() || v.From.Before(e.ExposedAt)
						})...)
					}
				}
				exposed = tracing.Merge(exposed, tracingtest.Secondary(exposed, theirs, stays, &rules))
			}
			return visits, slices.DeleteFunc(exposed, func(e healthcode.Exposure) bool { return caseKeys[e.Key()] })
		}
		check := func(t *testing.T, cases []healthcode.TraceCase) {
			got, err := tracer.Run(ctx, cases, nil)
			if err != nil {
				t.Fatal(err)
			}
			visits, exposed := want(cases)
			tracingtest.Diff(t, "case visits", got.Visits, visits, tracingtest.VisitString)
			tracingtest.Diff(t, "exposures", got.Exposures, exposed, tracingtest.ExposureString)
			for _, v := range got.Visits {
				if v.Estimated {
					seen.estimated++
				}
				if v.From.In(cst).YearDay() != v.To.In(cst).YearDay() {
					seen.midnight++
				}
			}
			for _, e := range got.Exposures {
				switch e.Degree {
				case healthcode.DegreeClose:
					seen.close++
				case healthcode.DegreeCompanion:
					seen.companion++
				case healthcode.DegreeSecondary:
					seen.secondary++
				}
			}
		}
		for i, c := range cases {
			t.Run(fmt.Sprintf("%s case %d", name, i), func(t *testing.T) { check(t, []healthcode.TraceCase{c}) })
		}
		t.Run(name+" outbreak", func(t *testing.T) { check(t, cases) })
	}
	t.Logf("seen: %+v", seen)
	if seen.estimated == 0 || seen.midnight == 0 || seen.close == 0 || seen.companion == 0 || seen.secondary == 0 {
		t.Errorf("the city missed a rule: %+v", seen)
	}
}

// cst is China's time, where the city's days begin.
var cst = time.FixedZone("CST", 8*3600)

// addOddScans logs, around each of the cases' visits, what a generated
// city lacks: an in whose out came later than the venue kind's longest
// stay (the out does not end it), an out with no in, and an in scanned
// twice, each by someone else.
func addOddScans(t *testing.T, db *sqlstore.DB, visits []healthcode.Visit, cases map[string]healthcode.VisitPerson) {
	t.Helper()
	ctx := context.Background()
	isCase := map[int64]bool{}
	for _, c := range cases {
		isCase[c.PersonID] = true
	}
	var scans []*healthcode.Scan
	next := int64(0)
	for _, v := range visits {
		for kind := range 3 {
			for next++; isCase[next]; next++ {
			}
			p, err := db.FindPerson(ctx, next)
			if err != nil {
				t.Fatal(err)
			}
			scan := func(dir string, at time.Time) {
				scans = append(scans, &healthcode.Scan{VenueID: v.VenueID, Source: healthcode.ScanOnline, Direction: dir,
					Region: region, Subject: p.Subject, PersonID: p.ID, Colour: healthcode.Green, Verdict: healthcode.VerdictPass, At: at})
			}
			switch kind {
			case 0:
				in := v.From.Add(-20 * time.Minute)
				scan(healthcode.DirectionIn, in)
				scan(healthcode.DirectionOut, in.Add(tracing.MaxStay(v.VenueKind)+time.Minute))
			case 1:
				scan(healthcode.DirectionOut, v.From.Add(10*time.Minute))
			case 2:
				scan(healthcode.DirectionIn, v.From.Add(time.Minute))
				scan(healthcode.DirectionIn, v.From.Add(6*time.Minute))
				scan(healthcode.DirectionOut, v.To.Add(30*time.Minute))
			}
		}
	}
	if _, err := db.RecordScans(ctx, scans, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// storedPoints reads every passed scan of the log straight from the
// store's tables, in the order they were logged.
func storedPoints(t *testing.T, db *sqlstore.DB) []healthcode.ScanPoint {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT s.venue_id, v.kind, s.direction, s.region, s.subject,
		s.person_id, s.at FROM scans s JOIN venues v ON v.id = s.venue_id
		WHERE s.verdict = 'pass' AND s.direction IN ('in', 'out') ORDER BY s.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var points []healthcode.ScanPoint
	for rows.Next() {
		var p healthcode.ScanPoint
		var at int64
		if err := rows.Scan(&p.VenueID, &p.VenueKind, &p.Direction, &p.Region, &p.Subject, &p.PersonID, &at); err != nil {
			t.Fatal(err)
		}
		p.At = time.UnixMicro(at).UTC()
		points = append(points, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return points
}

// pickCases picks n people of the city with at least two scans, as trace
// cases, and maps their document numbers to who they are in the log.
func pickCases(t *testing.T, db *sqlstore.DB, city *gen.City, points []healthcode.ScanPoint, r *rand.Rand, n int) ([]healthcode.TraceCase, map[string]healthcode.VisitPerson) {
	t.Helper()
	scans := map[int64]int{}
	for _, p := range points {
		scans[p.PersonID]++
	}
	var cases []healthcode.TraceCase
	ids := map[string]healthcode.VisitPerson{}
	for len(cases) < n {
		p := city.Person(r.IntN(city.Config().Persons))
		id, err := db.FindPersonByIDNumber(context.Background(), p.IDNumber)
		if err != nil {
			t.Fatal(err)
		}
		if scans[id] < 2 || ids[p.IDNumber].PersonID != 0 {
			continue
		}
		person, err := db.FindPerson(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, healthcode.TraceCase{IDType: p.IDType, IDNumber: p.IDNumber})
		ids[p.IDNumber] = healthcode.VisitPerson{Region: region, Subject: person.Subject, PersonID: id}
	}
	return cases, ids
}
