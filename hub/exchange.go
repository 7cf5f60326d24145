package hub

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

// Exchange issues a national code for code, a local code fresh from its
// region's node (docs/federation.md, "National code"). The code must
// verify against the trust list the hub serves: a key of its region, not
// revoked, valid at iat, and now within [iat − 5 min, exp]. The national
// code says what the local one says, under iss "CN": the same subject,
// which names the person in the home region "h", the colour as the
// region's colour map gives it, the same action, masked name and number,
// test and doses, for NationalCodeLifetime.
//
// A fresh local code exchanged again yields another national code of the
// same content: no more than showing the local code again, which its
// holder can anyway, so the hub keeps no record of the codes it took.
// The rate limits bound how often.
func (g *Registry) Exchange(ctx context.Context, code, clientAddr string) (*healthcode.NationalCode, error) {
	now := g.Now()
	if code == "" {
		return nil, codeRequired()
	}
	if err := g.limits.allowAddr(clientAddr, now); err != nil {
		return nil, err
	}
	return g.exchange(ctx, code, "", now)
}

// ExchangeFor is Exchange asked by a region's node for one of its
// citizens (its web pages show the national code): c must be a peer, and
// the code one of c's region. The per-address limit does not apply, as one
// node fronts all its citizens; the per-person one does.
func (g *Registry) ExchangeFor(ctx context.Context, c *healthcode.Caller, code string) (*healthcode.NationalCode, error) {
	if !c.Is(healthcode.RolePeer) || c.Region == "" {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only a region's peer token exchanges codes for its citizens")
	}
	if code == "" {
		return nil, codeRequired()
	}
	return g.exchange(ctx, code, c.Region, g.Now())
}

func codeRequired() error {
	return (healthcode.FieldErrors{"code": "required: the health code of your region, CNHC1:…"}).Err()
}

// exchange is Exchange past the address limit; a code not of region, when
// region is set, is refused.
func (g *Registry) exchange(ctx context.Context, code, region string, now time.Time) (*healthcode.NationalCode, error) {
	list, err := g.current(ctx)
	if err != nil {
		return nil, err
	}
	v, err := list.verifierOf()
	if err != nil {
		return nil, err
	}
	vd := v.Verify(code, now)
	if !vd.Valid {
		return nil, refused(vd.Error, vd.Message)
	}
	c := vd.Claims
	if c.Issuer == healthcode.NationalRegion {
		return nil, refused("national_code", "this is a national code already: exchange the code of your region")
	}
	if region != "" && c.Issuer != region {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "a code of %s: a node exchanges only its own region's codes", c.Issuer)
	}
	if err := g.limits.allowSubject(c.Issuer, c.Subject, now); err != nil {
		return nil, err
	}
	colour, err := g.nationalColour(ctx, c.Issuer, c.Colour)
	if err != nil {
		return nil, err
	}
	signer, err := g.NationalSigner(ctx, now)
	if err != nil {
		return nil, err
	}
	iat := now.Truncate(time.Second)
	nc := &hcode.HealthClaims{
		Issuer:    healthcode.NationalRegion,
		IssuedAt:  iat,
		ExpiresAt: iat.Add(healthcode.NationalCodeLifetime),
		CTI:       make([]byte, 16),
		Subject:   c.Subject,
		Colour:    colour,
		Action:    c.Action,
		Name:      c.Name,
		IDMasked:  c.IDMasked,
		Test:      c.Test,
		Doses:     c.Doses,
		Home:      c.Issuer,
	}
	rand.Read(nc.CTI)
	text, err := signer.SignHealth(nc)
	if err != nil {
		return nil, healthcode.Internal(err, "sign national code")
	}
	return &healthcode.NationalCode{
		IssuedCode: healthcode.IssuedCode{Code: text, Colour: colour, IssuedAt: nc.IssuedAt, ExpiresAt: nc.ExpiresAt},
		Region:     healthcode.NationalRegion, Home: c.Issuer,
	}, nil
}

// refused is the error for a code the hub does not exchange: EINVALID,
// the verifier's error code (or national_code) in the field "code" so an
// app can tell "show a fresh one" (expired) from the rest.
func refused(code, message string) error {
	return &healthcode.Error{Code: healthcode.EINVALID, Message: "code refused: " + message,
		Fields: map[string]string{"code": code}}
}
