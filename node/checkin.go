package node

import (
	"context"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/entry"
)

// Checkin is a citizen scanning a venue's place code with their phone:
// the venue's policy judges their own live status, the scan is logged like
// a checkpoint's, and the answer is what the staff at the door look at on
// the phone.
func (s *ScanService) Checkin(ctx context.Context, personID int64, placeCode, direction string) (*healthcode.ScanResult, error) {
	if direction == "" {
		direction = healthcode.DirectionIn
	}
	if err := checkDirection(direction); err != nil {
		return nil, err
	}
	now := s.Now()
	verifier, err := s.Trust.Verifier(ctx)
	if err != nil {
		return nil, err
	}
	pc, err := verifier.VerifyPlace(placeCode, now)
	if err != nil {
		return nil, (healthcode.FieldErrors{"place_code": healthcode.ErrorMessage(err)}).Err()
	}
	if pc.Issuer != s.Region {
		return nil, (healthcode.FieldErrors{"place_code": "a place code of region " + pc.Issuer + ": check in with that region's health code"}).Err()
	}
	v, err := s.Venues.cached(ctx, pc.ID)
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		return nil, (healthcode.FieldErrors{"place_code": "names venue " + pc.ID + ", which this region does not know"}).Err()
	} else if err != nil {
		return nil, err
	}
	// As for a health code: no check-in without a profile and a
	// declaration, or someone nobody knows would pass on a default green.
	h, err := s.Citizens.holder(ctx, personID)
	if err != nil {
		return nil, err
	}
	st := h.Status
	sc := &healthcode.Scan{VenueID: v.ID, Source: healthcode.ScanCheckin, Direction: direction,
		Region: s.Region, Subject: h.Subject, PersonID: personID, Colour: st.Colour, At: now}
	employee, err := s.employee(ctx, &v.Policy, personID)
	if err != nil {
		return nil, err
	}
	d := entry.Decide(&v.Policy, &entry.Holder{Colour: st.Colour, ActionRequired: st.ActionRequired,
		LatestTest: st.LatestTest, Doses: st.Doses, Employee: employee}, direction, now)
	sc.Verdict, sc.Reasons = d.Verdict, d.Reasons
	if _, err := s.Log.Record(ctx, []*healthcode.Scan{sc}); err != nil {
		return nil, err
	}
	s.Metrics.scanned(sc)
	return &healthcode.ScanResult{Scan: sc, Venue: v, ActionRequired: st.ActionRequired}, nil
}
