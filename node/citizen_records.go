package node

import (
	"context"
	"slices"
	"time"

	"github.com/healthcode/healthcode"
)

// Records returns the person's own records: those filed under the person
// key of their own profile (none before a profile), newest first, and the
// scans of their code here (ownScans). Nothing
// that could name another person is kept: a contact's case id, provider ids
// and the person key are blanked.
func (s *CitizenService) Records(ctx context.Context, personID int64) (*healthcode.OwnRecords, error) {
	key, err := s.Store.PersonKey(ctx, personID)
	switch {
	case healthcode.ErrorCode(err) == healthcode.ENOTFOUND:
		return &healthcode.OwnRecords{}, nil
	case err != nil:
		return nil, err
	}
	now := s.Now()
	f, err := s.Store.Facts(ctx, personID, key, now)
	if err != nil {
		return nil, err
	}
	r := ownRecords(f)
	if r.Scans, err = s.ownScans(ctx, personID, now); err != nil {
		return nil, err
	}
	return r, nil
}

// OwnScansWindow and MaxOwnScans bound the scans Records returns: the
// newest, of the last 30 days.
const (
	OwnScansWindow = 30 * 24 * time.Hour
	MaxOwnScans    = 200
)

// ownScans returns the person's scans here, newest first, without what
// names the device.
func (s *CitizenService) ownScans(ctx context.Context, personID int64, now time.Time) ([]*healthcode.Scan, error) {
	p, err := s.Store.FindPerson(ctx, personID)
	if err != nil {
		return nil, err
	}
	// Oldest first in the store: the window is read whole (a person's
	// scans of a month are few) and its newest kept.
	scans, err := s.Store.SubjectScans(ctx, s.Region, p.Subject, healthcode.ScanWindow{From: now.Add(-OwnScansWindow), To: now.Add(time.Minute)})
	if err != nil {
		return nil, err
	}
	slices.Reverse(scans)
	scans = scans[:min(len(scans), MaxOwnScans)]
	for _, sc := range scans {
		sc.DeviceID, sc.Seq = 0, 0
	}
	return scans, nil
}

// ownRecords copies the records of f newest first (Facts holds them oldest
// first), blanking what the person is not to see.
func ownRecords(f *healthcode.Facts) *healthcode.OwnRecords {
	r := &healthcode.OwnRecords{}
	for _, t := range slices.Backward(f.Tests) {
		t.PersonKey, t.ExternalID = nil, ""
		r.Tests = append(r.Tests, t)
	}
	for _, v := range slices.Backward(f.Vaccinations) {
		v.PersonKey, v.ExternalID = nil, ""
		r.Vaccinations = append(r.Vaccinations, v)
	}
	for _, c := range slices.Backward(f.Cases) {
		c.PersonKey, c.ExternalID = nil, ""
		r.Cases = append(r.Cases, c)
	}
	for _, c := range slices.Backward(f.Contacts) {
		c.PersonKey, c.ExternalID, c.CaseID = nil, "", ""
		r.Contacts = append(r.Contacts, c)
	}
	for _, q := range slices.Backward(f.Quarantines) {
		q.PersonKey, q.ExternalID = nil, ""
		r.Quarantines = append(r.Quarantines, q)
	}
	for _, t := range slices.Backward(f.Travel) {
		t.PersonKey, t.ExternalID = nil, ""
		r.Travel = append(r.Travel, t)
	}
	for _, p := range slices.Backward(f.DrugPurchases) {
		p.PersonKey = nil
		r.DrugPurchases = append(r.DrugPurchases, p)
	}
	return r
}
