package node

import (
	"context"
	"slices"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// Returnees lists the members of a community (of the caller's unit, for
// a unit's token) whose travel records or declarations show a stay
// outside the region that ended within the last ReturneeDays, most
// recently back first: masked name, unit, when they came back, the days
// remaining and the city they came from, nothing else of their records.
// Every registered person listed is written to the access log for purpose.
func (s *ResumptionService) Returnees(ctx context.Context, caller *healthcode.Caller, orgID, purpose string) (*healthcode.ReturneeList, error) {
	o, err := s.org(ctx, caller, orgID)
	if err != nil {
		return nil, err
	}
	if err := CheckPurpose(caller, purpose); err != nil {
		return nil, err
	}
	if o.Kind != healthcode.OrgCommunity {
		return nil, healthcode.Errorf(healthcode.EINVALID, "returnees are listed for communities: %s is a %s", o.ID, o.Kind)
	}
	now := s.Now()
	period := healthcode.ReturneeDays * 24 * time.Hour
	stays, err := s.Store.StaysOutside(ctx, o.ID, unitOf(caller), healthcode.RegionPrefix(s.Region), now.Add(-period), now)
	if err != nil {
		return nil, err
	}
	list := &healthcode.ReturneeList{OrgID: o.ID, AsOf: now, Returnees: make([]*healthcode.Returnee, 0, len(stays))}
	for _, st := range stays {
		left := healthcode.ReturneeDays - int(now.Sub(st.To)/(24*time.Hour))
		if left <= 0 {
			continue
		}
		list.Returnees = append(list.Returnees, &healthcode.Returnee{MemberID: st.MemberID, PersonID: st.PersonID,
			Name: idnum.MaskName(st.Name), Unit: st.Unit, ReturnedAt: st.To, DaysRemaining: left, From: cityOf(st.Division)})
	}
	slices.SortFunc(list.Returnees, func(a, b *healthcode.Returnee) int {
		if c := b.ReturnedAt.Compare(a.ReturnedAt); c != 0 {
			return c
		}
		return int(a.MemberID - b.MemberID)
	})
	people := make([]int64, len(list.Returnees))
	for i, r := range list.Returnees {
		people[i] = r.PersonID
	}
	if err := s.Audit.RecordMany(ctx, caller, people, "returnees of "+o.ID, purpose); err != nil {
		return nil, err
	}
	return list, nil
}

// cityOf is the city (prefecture) a division code lies in: what a
// community needs to know of where a returnee was, and no more.
func cityOf(division string) string {
	if len(division) != 6 {
		return division
	}
	return division[:4] + "00"
}
