package node

import (
	"context"
	"log/slog"
	"math"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// ResumptionService lists communities' returnees and runs employers'
// applications to resume work (issue 7): an employer applies with its
// roster, and the application is approved by itself once the share of its
// staff ready to return reaches the threshold the health authority sets,
// judged when the employer applies, whenever the application is read and
// by RunScheduler in between. Managers see colour terms only.
type ResumptionService struct {
	Store healthcode.Store
	// Region is the node's: a returnee is back from a stay outside it.
	Region  string
	Now     func() time.Time
	Audit   *Audit
	Logger  *slog.Logger
	Metrics *ResumptionMetrics
}

var _ healthcode.ResumptionService = (*ResumptionService)(nil)

// What an evaluation of an application was triggered by, for the log and
// the metrics.
const (
	triggerApply = "apply"
	triggerRead  = "read"
	triggerSweep = "sweep"
)

// org returns the organisation with id when caller may act for it.
func (s *ResumptionService) org(ctx context.Context, caller *healthcode.Caller, id string) (*healthcode.Org, error) {
	return findOrgFor(ctx, s.Store, caller, id)
}

// Apply makes o's application to resume work, or returns the one it has,
// and evaluates it at once: with enough staff ready it is approved before
// the answer. Only an employer applies, by a manager of the whole
// organisation or health staff.
func (s *ResumptionService) Apply(ctx context.Context, caller *healthcode.Caller, orgID string) (*healthcode.ResumptionReport, bool, error) {
	o, err := s.org(ctx, caller, orgID)
	if err != nil {
		return nil, false, err
	}
	if unitOf(caller) != "" {
		return nil, false, healthcode.Errorf(healthcode.EFORBIDDEN, "a token of one unit cannot apply for the whole organisation")
	}
	if o.Kind != healthcode.OrgEmployer {
		return nil, false, healthcode.Errorf(healthcode.EINVALID, "only employers apply to resume work: %s is a %s", o.ID, o.Kind)
	}
	now := s.Now()
	a, created, err := s.Store.CreateResumption(ctx, &healthcode.ResumptionApplication{OrgID: o.ID, AppliedAt: now, AppliedBy: caller.Name})
	if err != nil {
		return nil, false, err
	}
	if created {
		s.logger().InfoContext(ctx, "resumption: application made", "org", o.ID, "by", caller.Name)
	}
	th, err := s.Store.ResumptionThreshold(ctx)
	if err != nil {
		return nil, false, err
	}
	r, err := s.evaluate(ctx, o, a, th, "", false, triggerApply, now)
	return r, created, err
}

// Report evaluates o's application (there may be none yet) and lists who
// may return: the members of the caller's unit, or all. Every registered
// member listed is written to the access log for purpose.
func (s *ResumptionService) Report(ctx context.Context, caller *healthcode.Caller, orgID, purpose string) (*healthcode.ResumptionReport, error) {
	o, err := s.org(ctx, caller, orgID)
	if err != nil {
		return nil, err
	}
	if err := CheckPurpose(caller, purpose); err != nil {
		return nil, err
	}
	if o.Kind != healthcode.OrgEmployer {
		return nil, healthcode.Errorf(healthcode.EINVALID, "only employers resume work: %s is a %s", o.ID, o.Kind)
	}
	a, err := s.Store.FindResumption(ctx, o.ID)
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		a, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	th, err := s.Store.ResumptionThreshold(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.evaluate(ctx, o, a, th, unitOf(caller), true, triggerRead, s.Now())
	if err != nil {
		return nil, err
	}
	people := make([]int64, len(r.People))
	for i, m := range r.People {
		people[i] = m.PersonID
	}
	if err := s.Audit.RecordMany(ctx, caller, people, "resumption report of "+o.ID, purpose); err != nil {
		return nil, err
	}
	return r, nil
}

// evaluate counts who of o's members may return at now, records the
// counts on a (nil: no application yet) and approves it when the share
// reaches the threshold th (read by the caller, once for a whole sweep).
// With people, the report lists the members of unit ("" for all) with
// masked names; the counts are always the whole organisation's, which is
// what the threshold judges.
func (s *ResumptionService) evaluate(ctx context.Context, o *healthcode.Org, a *healthcode.ResumptionApplication,
	th *healthcode.ResumptionThreshold, unit string, people bool, trigger string, now time.Time) (*healthcode.ResumptionReport, error) {
	var err error
	r := &healthcode.ResumptionReport{OrgID: o.ID, Application: a, Threshold: th.Share, TestWindow: o.TestWindow, AsOf: now}
	if people {
		listed, err := s.Store.MemberReadiness(ctx, o.ID, unit, true)
		if err != nil {
			return nil, err
		}
		r.People = make([]*healthcode.ResumptionMember, len(listed))
		for i, m := range listed {
			ok, why := healthcode.MayReturn(m, o.TestWindow, now)
			r.People[i] = &healthcode.ResumptionMember{MemberID: m.MemberID, PersonID: m.PersonID,
				Name: idnum.MaskName(m.Name), Unit: m.Unit, MayReturn: ok, Why: why}
			if ok {
				r.Ready++
			}
		}
		r.Members = len(listed)
	}
	if !people || unit != "" {
		// The counts are the whole organisation's: counted by the store.
		if r.Members, r.Ready, err = s.Store.ReadyCounts(ctx, o.ID, now.Add(-o.TestWindow)); err != nil {
			return nil, err
		}
	}
	if a == nil {
		return r, nil
	}
	a.Members, a.Ready, a.EvaluatedAt = r.Members, r.Ready, now
	approve := a.State == healthcode.ResumptionPending && reaches(r.Ready, r.Members, th.Share)
	approved, err := s.Store.EvaluateResumption(ctx, a, approve)
	if err != nil {
		return nil, err
	}
	s.Metrics.evaluated(trigger, approved)
	if approved {
		s.logger().InfoContext(ctx, "resumption: application approved", "org", o.ID, "ready", r.Ready,
			"members", r.Members, "threshold", th.Share, "trigger", trigger)
	}
	return r, nil
}

// reaches reports whether ready of members is at least share of them. An
// empty roster never does. The product is compared with a little slack:
// 9 of 10 reach 0.9 although 0.9 has no exact binary form.
func reaches(ready, members int, share float64) bool {
	return members > 0 && float64(ready) >= share*float64(members)-1e-9
}

// Applications lists the applications in state ("" for all), for health
// staff and admins.
func (s *ResumptionService) Applications(ctx context.Context, caller *healthcode.Caller, state string) ([]*healthcode.ResumptionApplication, error) {
	if !caller.Is(healthcode.RoleAdmin, healthcode.RoleHealth) {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only health staff list applications to resume work")
	}
	switch state {
	case "", healthcode.ResumptionPending, healthcode.ResumptionApproved:
	default:
		return nil, (healthcode.FieldErrors{"state": `must be "pending" or "approved"`}).Err()
	}
	return s.Store.ListResumptions(ctx, state)
}

// Threshold returns the share of ready staff that approves an application.
func (s *ResumptionService) Threshold(ctx context.Context, caller *healthcode.Caller) (*healthcode.ResumptionThreshold, error) {
	if !caller.Is(healthcode.RoleAdmin, healthcode.RoleHealth) {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only health staff read the threshold")
	}
	return s.Store.ResumptionThreshold(ctx)
}

// SetThreshold sets the share of ready staff that approves an
// application. Pending applications are judged by it at their next
// evaluation (within a scheduler period); approved ones stay approved.
func (s *ResumptionService) SetThreshold(ctx context.Context, caller *healthcode.Caller, share float64) (*healthcode.ResumptionThreshold, error) {
	if !caller.Is(healthcode.RoleAdmin, healthcode.RoleHealth) {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only health staff set the threshold")
	}
	if math.IsNaN(share) || share <= 0 || share > 1 {
		return nil, (healthcode.FieldErrors{"share": "must be more than 0 and at most 1 (e.g. 0.8 for 80%)"}).Err()
	}
	t := &healthcode.ResumptionThreshold{Share: share, UpdatedAt: s.Now(), UpdatedBy: caller.Name}
	if err := s.Store.SetResumptionThreshold(ctx, t); err != nil {
		return nil, err
	}
	s.logger().InfoContext(ctx, "resumption: threshold set", "share", share, "by", caller.Name)
	return t, nil
}

func (s *ResumptionService) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
