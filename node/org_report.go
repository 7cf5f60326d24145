package node

import (
	"context"
	"time"

	"github.com/healthcode/healthcode"
)

// Report returns the daily compliance report of the organisation (its
// unit's only, for a unit's token) for date, YYYY-MM-DD in China: today's
// (date "" or today) counted now from the members' statuses, an earlier
// day's as the morning job stored it (ENOTFOUND when it did not). The
// report holds counts only, no person, so reading it is not written to
// the access log; the member pages it leads to are.
func (s *OrgService) Report(ctx context.Context, caller *healthcode.Caller, orgID, date string) (*healthcode.OrgReport, error) {
	o, err := s.orgFor(ctx, caller, orgID)
	if err != nil {
		return nil, err
	}
	unit := unitOf(caller)
	now := s.Now()
	today := now.In(dayZone).Format(time.DateOnly)
	if date == "" {
		date = today
	}
	day, err := time.ParseInLocation(time.DateOnly, date, dayZone)
	switch {
	case err != nil:
		return nil, (healthcode.FieldErrors{"date": "must be a date, YYYY-MM-DD"}).Err()
	case date > today:
		return nil, (healthcode.FieldErrors{"date": "must not be after today"}).Err()
	case date == today:
		return s.liveReport(ctx, o, unit, now)
	}
	r, err := s.Store.FindOrgReport(ctx, o.ID, day.Format(time.DateOnly))
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		return nil, healthcode.Errorf(healthcode.ENOTFOUND, "no report was stored for %s on %s", o.ID, date)
	} else if err != nil {
		return nil, err
	}
	if unit != "" {
		r = onlyUnit(r, unit)
	}
	return r, nil
}

// liveReport counts the organisation's members now.
func (s *OrgService) liveReport(ctx context.Context, o *healthcode.Org, unit string, now time.Time) (*healthcode.OrgReport, error) {
	units, err := s.Store.OrgReportCounts(ctx, o.ID, unit, now, o.TestWindow)
	if err != nil {
		return nil, err
	}
	r := &healthcode.OrgReport{OrgID: o.ID, OrgName: o.Name, Kind: o.Kind, Date: now.In(dayZone).Format(time.DateOnly),
		AsOf: now, Window: int(o.TestWindow / time.Hour), Units: units, Live: true}
	for _, u := range units {
		r.Total.Add(u)
	}
	return r, nil
}

// onlyUnit is the part of a stored report a unit's token sees.
func onlyUnit(r *healthcode.OrgReport, unit string) *healthcode.OrgReport {
	out := *r
	out.Units, out.Total = []healthcode.UnitReport{}, healthcode.UnitReport{}
	for _, u := range r.Units {
		if u.Unit == unit {
			out.Units = append(out.Units, u)
			out.Total.Add(u)
		}
	}
	return &out
}
