package status

import (
	"time"

	"github.com/healthcode/healthcode"
)

// overrideApplies reports whether the corrected status of an accepted
// appeal holds at now: its term has begun and not ended, and no record of
// the person was stored after it began (new records are judged by the rules
// again). Drug purchases and remote statuses carry no storage time; their
// own time stands in for it. A health check counts only when it showed
// fever: a check without one is no new fact.
func overrideApplies(o *healthcode.StatusOverride, f *healthcode.Facts, p *Policy, now time.Time) bool {
	if now.Before(o.From) || (!o.Until.IsZero() && !now.Before(o.Until)) {
		return false
	}
	after := func(t time.Time) bool { return t.After(o.From) }
	for i := range f.Tests {
		if after(f.Tests[i].RecordedAt) {
			return false
		}
	}
	for i := range f.Vaccinations {
		if after(f.Vaccinations[i].RecordedAt) {
			return false
		}
	}
	for i := range f.Cases {
		if after(f.Cases[i].RecordedAt) {
			return false
		}
	}
	for i := range f.Contacts {
		if after(f.Contacts[i].RecordedAt) {
			return false
		}
	}
	for i := range f.Quarantines {
		if after(f.Quarantines[i].RecordedAt) {
			return false
		}
	}
	for i := range f.Travel {
		if after(f.Travel[i].RecordedAt) {
			return false
		}
	}
	for i := range f.DrugPurchases {
		if after(f.DrugPurchases[i].At) {
			return false
		}
	}
	for i := range f.RemoteStatuses {
		if after(f.RemoteStatuses[i].At) {
			return false
		}
	}
	for i := range f.HealthChecks {
		if c := &f.HealthChecks[i]; p.feverAtCheck && after(c.CheckedAt) && p.Fever(c.Temperature, c.Symptoms) {
			return false
		}
	}
	return true
}

// applyOverride makes s the corrected status: the appeal's colour with the
// single reason appeal_accepted carrying the staff's reason. The latest
// test, doses and re-evaluation time stay as the facts give them.
func applyOverride(s *healthcode.Status, o *healthcode.StatusOverride) {
	text := &catalog[rAppealAccepted]
	s.Colour, s.ActionRequired, s.Since = o.Colour, false, o.From
	s.Reasons = []healthcode.Reason{{
		Code: text.code, Colour: o.Colour, TextZH: text.zh, TextEN: text.en,
		Since: o.From, Detail: o.Reason,
	}}
}
