package node

import (
	"context"
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/status"
)

// CitizenService implements healthcode.CitizenService.
type CitizenService struct {
	Store   healthcode.Store
	Policy  *status.Policy
	Keys    *KeyRing
	Region  string // iss of issued codes, e.g. "CN-330100"
	Now     func() time.Time
	Logger  *slog.Logger
	Metrics *Metrics
	// Issued remembers the codes issued, for this node's checkpoints; nil
	// remembers nothing.
	Issued *IssuedCodes
	// NationalSigner, when set, makes this a region the hub hosts (way 3,
	// mode national): its codes are national codes, iss CN and "h" Region,
	// signed by the key it returns instead of one of Keys.
	NationalSigner func(ctx context.Context, now time.Time) (*hcode.Signer, error)
}

var _ healthcode.CitizenService = (*CitizenService)(nil)

// SaveProfile validates and stores p for personID, then evaluates the status
// again: records filed under the document number now apply.
func (s *CitizenService) SaveProfile(ctx context.Context, personID int64, p *healthcode.Profile) (*healthcode.Profile, error) {
	now := s.Now()
	p.PersonID = personID
	if err := validateProfile(p, now); err != nil {
		return nil, err
	}
	if p.Phone == "" {
		person, err := s.Store.FindPerson(ctx, personID)
		if err != nil {
			return nil, err
		}
		p.Phone = person.Phone
	}
	p.UpdatedAt = now
	if err := s.Store.SaveProfile(ctx, p); err != nil {
		return nil, err
	}
	if _, err := s.Evaluate(ctx, personID); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *CitizenService) Profile(ctx context.Context, personID int64) (*healthcode.Profile, error) {
	p, err := s.Store.FindProfile(ctx, personID)
	if err != nil {
		return nil, notFoundAs(err, errNoProfile)
	}
	return p, nil
}

var (
	errNoProfile     = healthcode.Errorf(healthcode.ENOTFOUND, "no profile yet: save your profile first (PUT /api/v1/me/profile; on the hub, /regions/{region}/api/v1/me/profile)")
	errNoDeclaration = healthcode.Errorf(healthcode.ENOTFOUND, "no declaration yet: declare first (POST /api/v1/me/declarations)")
)

// Declare validates and stores d, then evaluates the status again.
func (s *CitizenService) Declare(ctx context.Context, personID int64, d *healthcode.Declaration) (*healthcode.Declaration, *healthcode.Status, error) {
	now := s.Now()
	if err := validateDeclaration(d, now); err != nil {
		return nil, nil, err
	}
	d.ID, d.PersonID, d.CreatedAt = 0, personID, now
	d.Findings = status.Findings(d, s.Policy)
	if err := s.Store.CreateDeclaration(ctx, d); err != nil {
		return nil, nil, err
	}
	st, err := s.Evaluate(ctx, personID)
	if err != nil {
		return nil, nil, err
	}
	return d, st, nil
}

// CheckDeclaration validates d as Declare does, storing nothing.
func (s *CitizenService) CheckDeclaration(d *healthcode.Declaration) error {
	return validateDeclaration(d, s.Now())
}

func (s *CitizenService) Declarations(ctx context.Context, personID int64, limit int) ([]*healthcode.Declaration, error) {
	if limit < 1 || limit > 100 {
		return nil, (healthcode.FieldErrors{"limit": "must be between 1 and 100"}).Err()
	}
	return s.Store.ListDeclarations(ctx, personID, limit)
}

// Status returns the stored status, evaluating it again when it is missing
// or its re-evaluation time has come: turning back needs nobody to act.
func (s *CitizenService) Status(ctx context.Context, personID int64) (*healthcode.Status, error) {
	st, err := s.Store.FindStatus(ctx, personID)
	switch {
	case healthcode.ErrorCode(err) == healthcode.ENOTFOUND:
		return s.evaluate(ctx, personID, nil)
	case err != nil:
		return nil, err
	case s.outdated(st):
		return s.evaluate(ctx, personID, st)
	}
	return st, nil
}

// outdated reports whether a stored status must be evaluated again: its
// time has come (turning back needs nobody to act), or the region's policy
// changed since.
func (s *CitizenService) outdated(st *healthcode.Status) bool {
	return st.Stale(s.Now()) || st.PolicyVersion != s.Policy.Version
}

// Evaluate runs the status engine on the person's current facts and stores
// the result.
func (s *CitizenService) Evaluate(ctx context.Context, personID int64) (*healthcode.Status, error) {
	prev, err := s.Store.FindStatus(ctx, personID)
	if err != nil && healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		return nil, err
	}
	return s.evaluate(ctx, personID, prev)
}

// evaluate is Evaluate with the stored status already read (nil if none).
func (s *CitizenService) evaluate(ctx context.Context, personID int64, prev *healthcode.Status) (*healthcode.Status, error) {
	now := s.Now()
	key, err := s.Store.PersonKey(ctx, personID)
	if err != nil && healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		return nil, err
	}
	facts, err := s.Store.Facts(ctx, personID, key, now)
	if err != nil {
		return nil, err
	}
	st := s.judge(facts, prev, now)
	if err := s.Store.SaveStatus(ctx, personID, st); err != nil {
		return nil, err
	}
	s.Metrics.evaluated(st)
	return st, nil
}

// judge runs the status engine on facts. It is the one place a status is
// made, for a single person and for the bulk recompute alike.
func (s *CitizenService) judge(facts *healthcode.Facts, prev *healthcode.Status, now time.Time) *healthcode.Status {
	st := status.Evaluate(facts, s.Policy, now)
	st.Declared = len(facts.Declarations) > 0
	// The engine dates a colour from the facts; a person who was never
	// anything but green has no such fact, so the colour dates from when
	// the node first said so.
	if st.Since.IsZero() {
		st.Since = now
		if prev != nil && prev.Colour == st.Colour && !prev.Since.IsZero() {
			st.Since = prev.Since
		}
	}
	return st
}

// holder reads what a code, or a check-in, is judged on: the person's
// subject, profile and status, in one read of the store, the status
// evaluated again when missing or outdated. Without a profile or a
// declaration there is no code: errNoProfile, errNoDeclaration.
func (s *CitizenService) holder(ctx context.Context, personID int64) (*healthcode.CodeHolder, error) {
	h, err := s.Store.FindCodeHolder(ctx, personID)
	if err != nil {
		return nil, err
	}
	if h.Status == nil || s.outdated(h.Status) {
		if h.Status, err = s.evaluate(ctx, personID, h.Status); err != nil {
			return nil, err
		}
	}
	switch {
	case h.Profile == nil:
		return nil, errNoProfile
	case !h.Status.Declared:
		return nil, errNoDeclaration
	}
	return h, nil
}

// Code issues a fresh health code. It needs a profile (the code carries the
// masked name and document number) and a declaration.
func (s *CitizenService) Code(ctx context.Context, personID int64) (*healthcode.IssuedCode, error) {
	now := s.Now()
	h, err := s.holder(ctx, personID)
	if err != nil {
		return nil, err
	}
	st := h.Status
	signer, issuer, home, err := s.signer(ctx, now)
	if err != nil {
		return nil, err
	}
	iat := now.Truncate(time.Second)
	c := &hcode.HealthClaims{
		Issuer:    issuer,
		Home:      home,
		IssuedAt:  iat,
		ExpiresAt: iat.Add(s.Policy.CodeLifetime()),
		CTI:       make([]byte, 16),
		Subject:   h.Subject,
		Colour:    st.Colour,
		Action:    st.ActionRequired,
		Name:      idnum.MaskName(h.Profile.Name),
		IDMasked:  idnum.MaskID(h.Profile.IDNumber),
		Doses:     st.Doses,
	}
	rand.Read(c.CTI)
	if t := st.LatestTest; t != nil {
		c.Test = &hcode.TestClaim{At: t.SampledAt, Result: t.Result}
	}
	text, err := signer.SignHealth(c)
	if err != nil {
		return nil, healthcode.Internal(err, "sign code")
	}
	s.Issued.Add(text, IssuedCode{PersonID: personID, KID: signer.KID(), Name: c.Name, IDMasked: c.IDMasked,
		IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt}, c.ExpiresAt.Sub(c.IssuedAt))
	s.Metrics.issued(st.Colour)
	return &healthcode.IssuedCode{Code: text, Colour: st.Colour, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt}, nil
}

// signer returns the key a code is signed with now, its iss and its "h":
// the region's own key and iss, or for a region the hub hosts the national
// key, iss CN and the region as home.
func (s *CitizenService) signer(ctx context.Context, now time.Time) (signer *hcode.Signer, issuer, home string, err error) {
	if s.NationalSigner != nil {
		signer, err = s.NationalSigner(ctx, now)
		return signer, healthcode.NationalRegion, s.Region, err
	}
	signer, err = s.Keys.Signer(ctx, now)
	return signer, s.Region, "", err
}
