package verify

import (
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

// VerifyPlace decides whether a place code text (DESIGN §4) was signed by
// a key of its region in the trust list, at now. A place code has no
// expiry: a poster stays on the wall for as long as its signing key is
// trusted; one dated in the future is refused. The error is an EINVALID
// *healthcode.Error whose message says why.
func (v *Verifier) VerifyPlace(text string, now time.Time) (*hcode.PlaceClaims, error) {
	p, err := hcode.ParsePlace(text)
	if err != nil {
		return nil, healthcode.Errorf(healthcode.EINVALID, "not a place code: %s", healthcode.ErrorMessage(err))
	}
	c := p.Place
	if _, ok := v.regions[c.Issuer]; !ok {
		return nil, healthcode.Errorf(healthcode.EINVALID, "the place code's region %s is not in the trust list", c.Issuer)
	}
	switch code := v.checkKey(c.Issuer, p, c.IssuedAt); code {
	case "":
	case KeyRevoked:
		return nil, healthcode.Errorf(healthcode.EINVALID, "the place code was signed with a revoked key: print a new poster")
	default:
		return nil, healthcode.Errorf(healthcode.EINVALID, "the place code's signature does not hold (%s)", code)
	}
	if now.Before(c.IssuedAt.Add(-Skew)) {
		return nil, healthcode.Errorf(healthcode.EINVALID, "the place code is dated in the future (%s)", c.IssuedAt.Format(time.RFC3339))
	}
	return c, nil
}
