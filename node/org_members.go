package node

import (
	"context"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// ReadOrgMember is what the access log says a manager's member page read.
const ReadOrgMember = "org_member"

// Limits of a member page.
const (
	DefaultMemberPage = 100
	maxMemberPage     = 1000
)

// Members returns a page of the organisation's members (its unit's only,
// for a unit's token) as a manager sees them: masked, and of the status
// only the colour, action_required, test compliance and doses. Every
// registered member on the page is written to the access log first; the
// page is not returned when that fails.
func (s *OrgService) Members(ctx context.Context, caller *healthcode.Caller, orgID string, f healthcode.OrgMemberFilter, purpose string) (*healthcode.MemberPage, error) {
	o, err := s.orgFor(ctx, caller, orgID)
	if err != nil {
		return nil, err
	}
	if f.Unit, err = unitFor(caller, f.Unit, "unit"); err != nil {
		return nil, err
	}
	if f.Limit == 0 {
		f.Limit = DefaultMemberPage
	}
	var fe healthcode.FieldErrors
	if f.Limit < 1 || f.Limit > maxMemberPage {
		fe.Add("limit", "must be between 1 and 1000")
	}
	if f.After < 0 {
		fe.Add("after", "must be a member id, 0 or more")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if err := CheckPurpose(caller, purpose); err != nil {
		return nil, err
	}
	rows, err := s.Store.OrgMemberPage(ctx, o.ID, f, s.Now(), o.TestWindow)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(rows))
	page := &healthcode.MemberPage{OrgID: o.ID, Members: make([]healthcode.MemberView, len(rows))}
	for i, r := range rows {
		ids = append(ids, r.PersonID)
		v := healthcode.MemberView{ID: r.Member.ID, Name: idnum.MaskName(r.Member.Name), IDNumber: idnum.MaskID(r.Member.IDNumber),
			Unit: r.Member.Unit, Registered: r.PersonID != 0, TestedWithinWindow: r.TestedWithinWindow, Doses: r.Doses}
		if r.HasStatus {
			c := r.Colour
			v.Colour, v.ActionRequired = &c, r.ActionRequired
		}
		page.Members[i] = v
	}
	if err := s.Audit.RecordMany(ctx, caller, ids, ReadOrgMember, purpose); err != nil {
		return nil, err
	}
	if len(rows) == f.Limit {
		page.Next = rows[len(rows)-1].Member.ID
	}
	return page, nil
}
