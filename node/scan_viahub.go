package node

import (
	"context"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/entry"
	"github.com/healthcode/healthcode/hcode"
)

// hubHolder asks the hub for the national status of code, a code of a
// region this node resolves through it, and returns the holder as the hub
// vouches for them: the national colour and action flag, and the test and
// doses of the code itself, whose claims c (read, not verified here) the
// hub's answer covers by the code's hash. With no answer the code is
// refused: the region is not trusted directly.
func (s *ScanService) hubHolder(ctx context.Context, res *healthcode.ScanResult, code string, c *hcode.HealthClaims) (*entry.Holder, error) {
	sc := res.Scan
	st, err := s.ViaHub.Resolve(ctx, code)
	if err == nil && st.Valid && st.Region != c.Issuer {
		err = healthcode.Errorf(healthcode.EUNAVAILABLE, "the hub answered about region %s for a code of %s", st.Region, c.Issuer)
	}
	if err != nil {
		if s.Logger != nil {
			s.Logger.WarnContext(ctx, "scan: the hub did not resolve a code; denied", "region", c.Issuer, "err", err)
		}
		sc.Reasons = []string{healthcode.DenyHubUnavailable}
		return nil, nil
	}
	res.ResolvedVia = healthcode.ResolvedViaHub
	if !st.Valid {
		sc.Reasons = []string{denyReason(st.Error, code)}
		return nil, nil
	}
	sc.Region, sc.Subject, sc.Colour = c.SubjectRegion(), c.Subject, *st.Colour
	res.Name, res.IDMasked, res.ExpiresAt = c.Name, c.IDMasked, c.ExpiresAt
	h := &entry.Holder{Colour: *st.Colour, ActionRequired: st.ActionRequired, Doses: c.Doses}
	if c.Test != nil {
		h.LatestTest = &healthcode.TestSummary{SampledAt: c.Test.At, Result: c.Test.Result}
	}
	return h, nil
}
