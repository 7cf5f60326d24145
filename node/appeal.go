package node

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
)

// AppealService implements healthcode.AppealService: citizens contest
// their status, health staff accept with a corrected colour or reject.
// The correction reaches the status through the engine (Facts.Override).
type AppealService struct {
	Store    healthcode.Store
	Citizens *CitizenService
	Audit    *Audit
	Now      func() time.Time
}

var _ healthcode.AppealService = (*AppealService)(nil)

// Bounds of the free-text reasons of appeals and decisions.
const (
	minAppealReason = 5
	maxAppealReason = 500
)

// File files an appeal against the person's current status.
func (s *AppealService) File(ctx context.Context, personID int64, reason string) (*healthcode.Appeal, error) {
	reason = strings.TrimSpace(reason)
	if err := checkReason("reason", reason); err != nil {
		return nil, err
	}
	st, err := s.Citizens.Status(ctx, personID)
	if err != nil {
		return nil, err
	}
	a := &healthcode.Appeal{PersonID: personID, Reason: reason, ColourAtFiling: st.Colour, CreatedAt: s.Now()}
	if err := s.Store.CreateAppeal(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

func checkReason(field, reason string) error {
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return (healthcode.FieldErrors{field: "required"}).Err()
	case n < minAppealReason || n > maxAppealReason:
		return (healthcode.FieldErrors{field: fmt.Sprintf("must be %d to %d characters", minAppealReason, maxAppealReason)}).Err()
	case !printable(strings.ReplaceAll(reason, "\n", " ")):
		return (healthcode.FieldErrors{field: "must not contain control characters"}).Err()
	}
	return nil
}

// Appeals lists the person's own appeals, newest first.
func (s *AppealService) Appeals(ctx context.Context, personID int64, limit int) ([]*healthcode.Appeal, error) {
	if limit < 1 || limit > 100 {
		return nil, (healthcode.FieldErrors{"limit": "must be between 1 and 100"}).Err()
	}
	return s.Store.ListAppeals(ctx, personID, limit)
}

// Queue lists appeals in state, oldest first, each with the person masked
// and their current status. Every person shown is one audited read.
func (s *AppealService) Queue(ctx context.Context, caller *healthcode.Caller, state healthcode.AppealState, limit int, purpose string) ([]*healthcode.AppealCase, error) {
	var fe healthcode.FieldErrors
	if err := CheckPurpose(caller, purpose); err != nil {
		fe.Add("purpose", healthcode.ErrorFields(err)["purpose"])
	}
	if state == "" {
		state = healthcode.AppealPending
	}
	if !state.Valid() {
		fe.Add("state", "must be pending, accepted or rejected")
	}
	if limit < 1 || limit > 100 {
		fe.Add("limit", "must be between 1 and 100")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	appeals, err := s.Store.AppealQueue(ctx, state, limit)
	if err != nil {
		return nil, err
	}
	reads := &PersonReads{Store: s.Store, Citizens: s.Citizens, Audit: s.Audit}
	cases := make([]*healthcode.AppealCase, 0, len(appeals))
	ids := make([]int64, 0, len(appeals))
	for _, a := range appeals {
		sum, err := reads.summary(ctx, a.PersonID)
		if err != nil {
			return nil, err
		}
		cases = append(cases, &healthcode.AppealCase{Appeal: a, Person: sum})
		ids = append(ids, a.PersonID)
	}
	if err := s.Audit.RecordMany(ctx, caller, ids, healthcode.ReadAppeal, purpose); err != nil {
		return nil, err
	}
	return cases, nil
}

// Decide accepts or rejects a pending appeal. The decision, its audit
// entry and, when accepted, the person's status marked due are written in
// one transaction; the next read of the status shows the corrected colour.
func (s *AppealService) Decide(ctx context.Context, caller *healthcode.Caller, d *healthcode.AppealDecision, purpose string) (*healthcode.Appeal, error) {
	now := s.Now()
	var fe healthcode.FieldErrors
	if err := CheckPurpose(caller, purpose); err != nil {
		fe.Add("purpose", healthcode.ErrorFields(err)["purpose"])
	}
	d.Reason = strings.TrimSpace(d.Reason)
	if err := checkReason("reason", d.Reason); err != nil {
		fe.Add("reason", healthcode.ErrorFields(err)["reason"])
	}
	if d.Accept {
		if d.Colour < healthcode.Green || d.Colour > healthcode.Red {
			fe.Add("colour", "must be green, yellow or red")
		}
		if !d.Until.IsZero() && !d.Until.After(now) {
			fe.Add("until", "must be in the future")
		}
	} else if !d.Until.IsZero() {
		fe.Add("until", "only an accepted appeal has a corrected status that lasts until a time")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	entry, err := s.Audit.Entry(caller, 0, healthcode.ReadAppeal, purpose)
	if err != nil {
		return nil, err
	}
	a, err := s.Store.DecideAppeal(ctx, d, caller, now, entry)
	if err != nil {
		return nil, err
	}
	s.Audit.Metrics.recorded(healthcode.ReadAppeal, 1)
	return a, nil
}
