package node

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// sessionHour is the hour of the day a check entered on a later day is
// dated at: a test sampled since then answers it.
var sessionHour = map[string]int{healthcode.CheckMorning: 8, healthcode.CheckNoon: 12}

// EnterClassCheck stores a class's check of one session and day. Every
// entry must name a student of that class of that school, or nothing is
// stored; entering a student's check again replaces it. Students with
// fever (or whose fever was entered by mistake and is now corrected) who
// registered have their status evaluated at once.
func (s *HealthChecks) EnterClassCheck(ctx context.Context, caller *healthcode.Caller, c *healthcode.ClassCheck) (*healthcode.ClassCheckResult, error) {
	var fe healthcode.FieldErrors
	unit := strings.TrimSpace(c.Unit)
	if unit == "" {
		fe.Add("unit", "is required: the class")
	}
	if !slices.Contains(healthcode.SchoolSessions, c.Session) {
		fe.Add("session", `must be "morning" or "noon"`)
	}
	now := s.Now()
	date, day, err := checkDay("date", c.Date, now)
	if err != nil {
		return nil, err
	}
	switch n := len(c.Entries); {
	case n == 0:
		fe.Add("entries", "list at least one student")
	case n > maxCheckEntries:
		fe.Add("entries", fmt.Sprintf("at most %d entries", maxCheckEntries))
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if _, err := s.orgFor(ctx, caller, c.OrgID, unit, healthcode.OrgSchool, "morning and noon checks"); err != nil {
		return nil, err
	}
	ids := make([]int64, len(c.Entries))
	for i, e := range c.Entries {
		ids[i] = e.MemberID
	}
	members, err := s.Store.CheckRosterByID(ctx, c.OrgID, ids)
	if err != nil {
		return nil, err
	}
	checkedAt := now.Truncate(time.Second)
	if date != now.In(dayZone).Format(time.DateOnly) {
		checkedAt = day.Add(time.Duration(sessionHour[c.Session]) * time.Hour)
	}
	checks := make([]*healthcode.HealthCheck, len(c.Entries))
	seen := make(map[int64]int, len(c.Entries))
	res := &healthcode.ClassCheckResult{}
	for i, e := range c.Entries {
		p := fmt.Sprintf("entries[%d].", i)
		m := members[e.MemberID]
		switch first, dup := seen[e.MemberID]; {
		case m == nil || m.Unit != unit:
			fe.Add(p+"member_id", fmt.Sprintf("%d is not a student of %s of %s", e.MemberID, unit, c.OrgID))
		case dup:
			fe.Add(p+"member_id", fmt.Sprintf("is entered twice (also entries[%d])", first))
		}
		seen[e.MemberID] = i
		checkReadings(&fe, p, e.Temperature, e.Symptoms)
		switch {
		case e.Absent && e.Temperature != nil:
			fe.Add(p+"temperature", "an absent student is not measured: leave it out")
		case !e.Absent && e.Temperature == nil:
			fe.Add(p+"temperature", "is required for a present student")
		case e.Absent && !slices.Contains(healthcode.AbsentReasons, e.AbsentReason):
			fe.Add(p+"absent_reason", "must be one of "+strings.Join(healthcode.AbsentReasons, ", "))
		case !e.Absent && e.AbsentReason != "":
			fe.Add(p+"absent_reason", "is for an absent student only")
		}
		if m == nil {
			continue
		}
		checks[i] = &healthcode.HealthCheck{PersonKey: m.PersonKey, OrgID: c.OrgID, MemberID: m.ID, Unit: unit,
			Session: c.Session, Date: date, CheckedAt: checkedAt, Temperature: e.Temperature,
			Symptoms: e.Symptoms, Absent: e.Absent, AbsentReason: e.AbsentReason,
			EnteredBy: caller.Name, EnteredByToken: caller.TokenID}
		if s.fever(checks[i]) {
			res.Fever++
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	people, err := s.Store.SaveHealthChecks(ctx, checks, s.fever)
	if err != nil {
		return nil, err
	}
	res.Date, res.Stored = date, len(checks)
	return res, s.evaluate(ctx, people)
}

// ClassChecks is the class view of one session and day: each student of
// the class with their masked name and what the check found. Every
// registered student shown is written to the access log.
func (s *HealthChecks) ClassChecks(ctx context.Context, caller *healthcode.Caller, orgID, unit, session, date, purpose string) (*healthcode.ClassView, error) {
	var fe healthcode.FieldErrors
	if unit == "" {
		fe.Add("unit", "is required: the class")
	}
	if !slices.Contains(healthcode.SchoolSessions, session) {
		fe.Add("session", `must be "morning" or "noon"`)
	}
	date, _, err := checkDay("date", date, s.Now())
	if err != nil {
		return nil, err
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	purpose = purposeOr(purpose, purposeSchoolChecks)
	if err := CheckPurpose(caller, purpose); err != nil {
		return nil, err
	}
	if _, err := s.orgFor(ctx, caller, orgID, unit, healthcode.OrgSchool, "morning and noon checks"); err != nil {
		return nil, err
	}
	roster, checks, err := s.dayOf(ctx, orgID, unit, session, date)
	if err != nil {
		return nil, err
	}
	v := &healthcode.ClassView{OrgID: orgID, Unit: unit, Session: session, Date: date,
		Students: make([]healthcode.StudentCheck, len(roster))}
	keys := make([][]byte, len(roster))
	for i, m := range roster {
		keys[i] = m.PersonKey
		sc := healthcode.StudentCheck{MemberID: m.ID, Name: idnum.MaskName(m.Name), State: healthcode.CheckStateNotChecked}
		if c := checks[string(m.PersonKey)]; c != nil {
			sc.State, sc.Temperature, sc.Symptoms, sc.AbsentReason = s.stateOf(c), c.Temperature, c.Symptoms, c.AbsentReason
		}
		v.Students[i] = sc
	}
	if err := s.auditPeople(ctx, caller, keys, "class health checks", purpose); err != nil {
		return nil, err
	}
	return v, nil
}

// SchoolChecks is the school view of one session and day: per class, how
// many students, checked, with fever, absent (by reason) and not yet
// checked. It shows counts, no student, so nothing goes to the access log.
func (s *HealthChecks) SchoolChecks(ctx context.Context, caller *healthcode.Caller, orgID, session, date, purpose string) (*healthcode.SchoolSummary, error) {
	if !slices.Contains(healthcode.SchoolSessions, session) {
		return nil, (healthcode.FieldErrors{"session": `must be "morning" or "noon"`}).Err()
	}
	date, _, err := checkDay("date", date, s.Now())
	if err != nil {
		return nil, err
	}
	if err := CheckPurpose(caller, purposeOr(purpose, purposeSchoolChecks)); err != nil {
		return nil, err
	}
	if _, err := s.orgFor(ctx, caller, orgID, "", healthcode.OrgSchool, "morning and noon checks"); err != nil {
		return nil, err
	}
	roster, checks, err := s.dayOf(ctx, orgID, "", session, date)
	if err != nil {
		return nil, err
	}
	sum := &healthcode.SchoolSummary{OrgID: orgID, Session: session, Date: date,
		Total: healthcode.ClassSummary{AbsentBy: map[string]int{}}}
	var cls *healthcode.ClassSummary
	for _, m := range roster { // in unit order
		if cls == nil || cls.Unit != m.Unit {
			sum.Classes = append(sum.Classes, healthcode.ClassSummary{Unit: m.Unit, AbsentBy: map[string]int{}})
			cls = &sum.Classes[len(sum.Classes)-1]
		}
		state, reason := healthcode.CheckStateNotChecked, ""
		if c := checks[string(m.PersonKey)]; c != nil {
			state, reason = s.stateOf(c), c.AbsentReason
		}
		for _, t := range []*healthcode.ClassSummary{cls, &sum.Total} {
			t.Students++
			switch state {
			case healthcode.CheckStateNotChecked:
				t.NotChecked++
			case healthcode.CheckStateAbsent:
				t.Absent++
				t.AbsentBy[reason]++
			case healthcode.CheckStateFever:
				t.Checked++
				t.Fever++
			default:
				t.Checked++
			}
		}
	}
	return sum, nil
}

// dayOf reads a class's (unit "": the school's) roster and its checks of
// one session and day, by person key.
func (s *HealthChecks) dayOf(ctx context.Context, orgID, unit, session, date string) ([]*healthcode.OrgMember, map[string]*healthcode.HealthCheck, error) {
	roster, err := s.Store.CheckRoster(ctx, orgID, unit)
	if err != nil {
		return nil, nil, err
	}
	list, err := s.Store.OrgChecksOfDay(ctx, orgID, session, date)
	if err != nil {
		return nil, nil, err
	}
	checks := make(map[string]*healthcode.HealthCheck, len(list))
	for _, c := range list {
		checks[string(c.PersonKey)] = c
	}
	return roster, checks, nil
}

// stateOf is where a student with a check stands: an absent student
// counts as absent even when reported with fever (the fever still asks
// them to get tested).
func (s *HealthChecks) stateOf(c *healthcode.HealthCheck) string {
	switch {
	case c.Absent:
		return healthcode.CheckStateAbsent
	case s.fever(c):
		return healthcode.CheckStateFever
	}
	return healthcode.CheckStateChecked
}
