package node

import (
	"context"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// PersonReads are staff reads of one person, each recorded in the access
// audit log before the data is returned.
type PersonReads struct {
	Store    healthcode.Store
	Citizens *CitizenService // evaluates a stale status as the person would see it
	Audit    *Audit
}

var _ healthcode.PersonService = (*PersonReads)(nil)

var errNoSuchPerson = healthcode.Errorf(healthcode.ENOTFOUND, "no registered person holds this document")

// Lookup finds a person by document: masked identity and current status.
func (p *PersonReads) Lookup(ctx context.Context, caller *healthcode.Caller, idType healthcode.IDType, idNumber, purpose string) (*healthcode.PersonSummary, error) {
	var fe healthcode.FieldErrors
	if err := CheckPurpose(caller, purpose); err != nil {
		fe.Add("purpose", healthcode.ErrorFields(err)["purpose"])
	}
	if idType == "" {
		idType = healthcode.IDResident
	}
	if !idType.Valid() {
		fe.Add("id_type", "must be one of resident_id, passport, hk_macao_permit, taiwan_permit, foreign_permanent_resident")
	} else if n, err := idnum.ValidateDocument(idType, idNumber, p.Audit.Now()); err != nil {
		fe.Add("id_number", healthcode.ErrorMessage(err))
	} else {
		idNumber = n
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	id, err := p.Store.FindPersonByIDNumber(ctx, idNumber)
	if err != nil {
		return nil, notFoundAs(err, errNoSuchPerson)
	}
	sum, err := p.summary(ctx, id)
	if err != nil {
		return nil, err
	}
	if sum.IDType != idType {
		return nil, errNoSuchPerson
	}
	if err := p.Audit.Record(ctx, caller, id, healthcode.ReadProfile+","+healthcode.ReadStatus, purpose); err != nil {
		return nil, err
	}
	return sum, nil
}

// Status returns the person's current status.
func (p *PersonReads) Status(ctx context.Context, caller *healthcode.Caller, personID int64, purpose string) (*healthcode.Status, error) {
	if err := CheckPurpose(caller, purpose); err != nil {
		return nil, err
	}
	if _, err := p.Store.FindPerson(ctx, personID); err != nil {
		return nil, notFoundAs(err, healthcode.Errorf(healthcode.ENOTFOUND, "person %d not found", personID))
	}
	st, err := p.Citizens.Status(ctx, personID)
	if err != nil {
		return nil, err
	}
	if err := p.Audit.Record(ctx, caller, personID, healthcode.ReadStatus, purpose); err != nil {
		return nil, err
	}
	return st, nil
}

// summary reads the person's masked identity and current status; it
// records nothing.
func (p *PersonReads) summary(ctx context.Context, personID int64) (*healthcode.PersonSummary, error) {
	sum := &healthcode.PersonSummary{PersonID: personID}
	prof, err := p.Store.FindProfile(ctx, personID)
	switch {
	case err == nil:
		sum.MaskedName, sum.IDType, sum.MaskedIDNumber = idnum.MaskName(prof.Name), prof.IDType, idnum.MaskID(prof.IDNumber)
	case healthcode.ErrorCode(err) != healthcode.ENOTFOUND:
		return nil, err
	}
	if sum.Status, err = p.Citizens.Status(ctx, personID); err != nil {
		return nil, err
	}
	return sum, nil
}
