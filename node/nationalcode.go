package node

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

// NationalCodes gets the citizens of this region national codes (DESIGN
// §6, way 2) from the hub the node follows: the node exchanges the
// citizen's current code with its peer token, so a phone needs nothing but
// the node's pages, and checks the answer against its own trust list
// before showing it, as a checkpoint would.
type NationalCodes struct {
	Hub      *HubClient
	Citizens healthcode.CitizenService
	Trust    *TrustDocument
	Now      func() time.Time
	Logger   *slog.Logger // why the hub gave no code; nil: not logged
}

var _ healthcode.NationalCodeService = (*NationalCodes)(nil)

// NationalCode implements healthcode.NationalCodeService.
func (n *NationalCodes) NationalCode(ctx context.Context, personID int64) (*healthcode.NationalCode, error) {
	nc, err := n.nationalCode(ctx, personID)
	if code := healthcode.ErrorCode(err); n.Logger != nil && (code == healthcode.EUNAVAILABLE || code == healthcode.ERATELIMIT) {
		n.Logger.WarnContext(ctx, "no national code from the hub", "hub", n.Hub.URL, "err", err)
	}
	return nc, err
}

func (n *NationalCodes) nationalCode(ctx context.Context, personID int64) (*healthcode.NationalCode, error) {
	local, err := n.Citizens.Code(ctx, personID)
	if err != nil {
		return nil, err
	}
	p, err := hcode.ParseHealth(local.Code)
	if err != nil {
		return nil, healthcode.Internal(err, "read this region's code")
	}
	answer, err := n.Hub.Exchange(ctx, local.Code)
	if err != nil {
		return nil, err
	}
	c, err := n.check(ctx, answer.Code)
	if err != nil {
		return nil, err
	}
	if c.Issuer != healthcode.NationalRegion || c.Home != n.Hub.Region || !bytes.Equal(c.Subject, p.Health.Subject) {
		return nil, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: noNationalCode,
			Err: fmt.Errorf("the hub answered a code of %s for %s, not this person's national code", c.Issuer, c.Home)}
	}
	return &healthcode.NationalCode{
		IssuedCode: healthcode.IssuedCode{Code: answer.Code, Colour: c.Colour, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt},
		Region:     c.Issuer, Home: c.Home,
	}, nil
}

// check verifies code by the node's trust list (fetched again at once
// when it lacks the national key that signed it: the hub rotated it since).
func (n *NationalCodes) check(ctx context.Context, code string) (*hcode.HealthClaims, error) {
	vd, err := n.Trust.Verify(ctx, code, n.Now())
	if err != nil {
		return nil, err
	}
	if !vd.Valid {
		return nil, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: noNationalCode,
			Err: fmt.Errorf("the hub's national code does not verify here: %s: %s", vd.Error, vd.Message)}
	}
	return vd.Claims, nil
}
