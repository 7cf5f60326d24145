package node

import (
	"context"
	"slices"

	"github.com/healthcode/healthcode"
)

// Records returns the person's own records: those filed under the person
// key of their own profile (none before a profile), newest first. Nothing
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
	f, err := s.Store.Facts(ctx, personID, key, s.Now())
	if err != nil {
		return nil, err
	}
	return ownRecords(f), nil
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
