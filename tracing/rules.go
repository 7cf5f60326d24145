// Package tracing holds the contact-tracing rules: pure functions from
// scans to stays (Stays), from stays to exposed people (Expose, Secondary)
// and from several traces to one list (Merge). They read no clock and do no
// I/O, so a trace can be recomputed and checked against the scan log at any
// time; the store reads the scans and the trace service applies the
// findings.
//
// Times are compared as half-open intervals [From, To): two stays
// overlap when one starts before the other ends, so a person who leaves at
// 10:00 and one who arrives at 10:00 never met.
package tracing

import (
	"time"

	"github.com/healthcode/healthcode"
)

// DefaultRules are the national tracing rules, the values a policy file
// without a "tracing" section (or without one of its keys) gets.
//
// The default stays are what an in scan without an out scan is taken to
// last. They are typical stays, not the longest ones (the occupancy limit
// healthcode.DefaultMaxStay is the longest): too long a guess names
// companions who were never there, too short a guess misses the contacts
// the issue is about, so each errs a little long for its kind:
//
//   - pharmacy 15m: one purchase at a counter;
//   - subway and railway stations 30m: passing through, waiting for a train;
//   - supermarket 1h: one shopping trip;
//   - mall 2h: shopping with a meal or a film;
//   - hospital 3h: an outpatient visit with its queues and tests;
//   - office, factory and school 8h: a working or school day;
//   - community 12h: the residential compound, where people scan in for
//     the evening and night and rarely scan out;
//   - any other kind 2h (DefaultStayOther).
//
// Pharmacies are the small venue where any overlap is close: people queue
// at one counter, and a pharmacy is where people with symptoms go first.
// A close contact needs 15 minutes together, a companion was within an
// hour of the case, and a case's visits count from 2 days before onset.
func DefaultRules() healthcode.TraceRules {
	return healthcode.TraceRules{
		CloseAfter:      15 * time.Minute,
		CompanionWindow: 60 * time.Minute,
		DefaultStay: map[string]time.Duration{
			healthcode.VenuePharmacy:    15 * time.Minute,
			healthcode.VenueSubway:      30 * time.Minute,
			healthcode.VenueRailway:     30 * time.Minute,
			healthcode.VenueSupermarket: time.Hour,
			healthcode.VenueMall:        2 * time.Hour,
			healthcode.VenueHospital:    3 * time.Hour,
			healthcode.VenueOffice:      8 * time.Hour,
			healthcode.VenueFactory:     8 * time.Hour,
			healthcode.VenueSchool:      8 * time.Hour,
			healthcode.VenueCommunity:   12 * time.Hour,
		},
		DefaultStayOther: 2 * time.Hour,
		AllCloseKinds:    []string{healthcode.VenuePharmacy},
		SecondRound:      false,
		InfectiousBefore: 48 * time.Hour,
	}
}

// rulesOrDefault lets callers pass nil for the national rules.
func rulesOrDefault(rules *healthcode.TraceRules) *healthcode.TraceRules {
	if rules == nil {
		r := DefaultRules()
		return &r
	}
	return rules
}

// defaultStay is how long a stay without an out scan at a venue of kind
// lasts under rules.
func defaultStay(rules *healthcode.TraceRules, kind string) time.Duration {
	if d, ok := rules.DefaultStay[kind]; ok {
		return d
	}
	return rules.DefaultStayOther
}

// allClose reports whether any overlap at a venue of kind is close.
func allClose(rules *healthcode.TraceRules, kind string) bool {
	for _, k := range rules.AllCloseKinds {
		if k == kind {
			return true
		}
	}
	return false
}
