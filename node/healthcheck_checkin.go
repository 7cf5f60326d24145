package node

import (
	"context"
	"slices"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// maxMissedLookback bounds how many days back a run of missed check-ins
// is counted.
const maxMissedLookback = 30

// CheckIn stores the citizen's own check-in of today, replacing an earlier
// one of the day, and returns it with their status: evaluated again at
// once when a fever came (or went), the stored one otherwise.
func (s *HealthChecks) CheckIn(ctx context.Context, personID int64, in *healthcode.CheckIn) (*healthcode.HealthCheck, *healthcode.Status, error) {
	var fe healthcode.FieldErrors
	if in.Temperature == nil {
		fe.Add("temperature", "is required: your temperature in °C")
	}
	checkReadings(&fe, "", in.Temperature, in.Symptoms)
	if err := fe.Err(); err != nil {
		return nil, nil, err
	}
	key, err := s.Store.PersonKey(ctx, personID)
	if err != nil {
		return nil, nil, notFoundAs(err, errNoProfile)
	}
	now := s.Now()
	c := &healthcode.HealthCheck{PersonKey: key, Session: healthcode.CheckDaily,
		Date: now.In(dayZone).Format(time.DateOnly), CheckedAt: now.Truncate(time.Second),
		Temperature: in.Temperature, Symptoms: in.Symptoms, EnteredBy: "self"}
	people, err := s.Store.SaveHealthChecks(ctx, []*healthcode.HealthCheck{c}, s.fever)
	if err != nil {
		return nil, nil, err
	}
	var st *healthcode.Status
	if len(people) > 0 {
		st, err = s.Citizens.Evaluate(ctx, personID)
	} else {
		st, err = s.Citizens.Status(ctx, personID)
	}
	return c, st, err
}

// CheckIns lists the citizen's own check-ins of the last 30 days, newest
// first.
func (s *HealthChecks) CheckIns(ctx context.Context, personID int64) ([]*healthcode.HealthCheck, error) {
	key, err := s.Store.PersonKey(ctx, personID)
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		return []*healthcode.HealthCheck{}, nil // no profile, no check-in
	}
	if err != nil {
		return nil, err
	}
	list, err := s.Store.HealthChecksOf(ctx, key, "", s.Now().Add(-checkInHistory))
	if list == nil && err == nil {
		list = []*healthcode.HealthCheck{}
	}
	return list, err
}

// CommunityCheckIns is a community's view of one day: its members under a
// home quarantine or home health monitoring order that day, whether each
// checked in (and with fever), and, for those who did not, how many days
// in a row they missed. Nothing else of theirs: no records, no reasons.
// A manager bound to one unit (building) sees that unit. Every registered
// member shown is written to the access log.
func (s *HealthChecks) CommunityCheckIns(ctx context.Context, caller *healthcode.Caller, orgID, date, purpose string) (*healthcode.CommunityCheckIns, error) {
	date, day, err := checkDay("date", date, s.Now())
	if err != nil {
		return nil, err
	}
	purpose = purposeOr(purpose, purposeCheckIns)
	if err := CheckPurpose(caller, purpose); err != nil {
		return nil, err
	}
	unit := unitOf(caller)
	if _, err := s.orgFor(ctx, caller, orgID, unit, healthcode.OrgCommunity, "check-ins of home quarantine"); err != nil {
		return nil, err
	}
	next := day.AddDate(0, 0, 1)
	orders, err := s.Store.HomeQuarantinedMembers(ctx, orgID, day, next)
	if err != nil {
		return nil, err
	}
	// One line per member: the order that lasts longest (an open-ended
	// one longest of all), counted from the earliest start among them.
	type line struct {
		m     *healthcode.OrgMember
		q     healthcode.Quarantine
		start time.Time
	}
	var lines []*line
	byMember := map[int64]*line{}
	for _, o := range orders {
		if unit != "" && o.Member.Unit != unit {
			continue
		}
		l := byMember[o.Member.ID]
		if l == nil {
			l = &line{m: o.Member, q: o.Quarantine, start: o.Quarantine.From}
			byMember[o.Member.ID] = l
			lines = append(lines, l)
			continue
		}
		if o.Quarantine.From.Before(l.start) {
			l.start = o.Quarantine.From
		}
		if !l.q.Until.IsZero() && (o.Quarantine.Until.IsZero() || o.Quarantine.Until.After(l.q.Until)) {
			l.q = o.Quarantine
		}
	}
	first := day.AddDate(0, 0, -maxMissedLookback).Format(time.DateOnly)
	ins, err := s.Store.MemberCheckIns(ctx, orgID, first, date)
	if err != nil {
		return nil, err
	}
	checkedIn := map[string]*healthcode.HealthCheck{} // key + day
	for _, c := range ins {
		checkedIn[string(c.PersonKey)+"|"+c.Date] = c
	}
	v := &healthcode.CommunityCheckIns{OrgID: orgID, Date: date, Members: make([]healthcode.CommunityCheckIn, 0, len(lines))}
	keys := make([][]byte, 0, len(lines))
	for _, l := range lines {
		e := healthcode.CommunityCheckIn{MemberID: l.m.ID, Name: idnum.MaskName(l.m.Name), Unit: l.m.Unit,
			Kind: l.q.Kind, Until: l.q.Until}
		if c := checkedIn[string(l.m.PersonKey)+"|"+date]; c != nil {
			e.CheckedIn, e.Fever = true, s.fever(c)
		} else {
			// Days in a row without a check-in, back to the day the order
			// began.
			startDay := l.start.In(dayZone).Format(time.DateOnly)
			for d := day; e.MissedDays < maxMissedLookback; d = d.AddDate(0, 0, -1) {
				ds := d.Format(time.DateOnly)
				if ds < startDay || checkedIn[string(l.m.PersonKey)+"|"+ds] != nil {
					break
				}
				e.MissedDays++
			}
			v.Missing++
		}
		v.Members = append(v.Members, e)
		keys = append(keys, l.m.PersonKey)
	}
	slices.SortStableFunc(v.Members, func(a, b healthcode.CommunityCheckIn) int {
		if a.Unit != b.Unit {
			if a.Unit < b.Unit {
				return -1
			}
			return 1
		}
		return int(a.MemberID - b.MemberID)
	})
	if err := s.auditPeople(ctx, caller, keys, "home quarantine check-ins", purpose); err != nil {
		return nil, err
	}
	return v, nil
}
