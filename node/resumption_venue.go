package node

import (
	"context"

	"github.com/healthcode/healthcode"
)

// checkEmployer checks the employer a venue's policy names, if any: an
// organisation of this node of kind employer. The form of the id is
// checked by Venue.Check.
func checkEmployer(ctx context.Context, store healthcode.OrgStore, v *healthcode.Venue) error {
	id := v.Policy.Employer
	if id == "" {
		return nil
	}
	o, err := store.FindOrg(ctx, id)
	switch {
	case healthcode.ErrorCode(err) == healthcode.ENOTFOUND:
		return (healthcode.FieldErrors{"policy.employer": "no organisation " + id}).Err()
	case err != nil:
		return err
	case o.Kind != healthcode.OrgEmployer:
		return (healthcode.FieldErrors{"policy.employer": id + " is a " + o.Kind + ", not an employer"}).Err()
	}
	return nil
}
