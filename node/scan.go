package node

import (
	"context"
	"log/slog"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/entry"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/verify"
)

// ScanService judges the codes shown at checkpoints and writes every scan
// to the log.
type ScanService struct {
	Store    healthcode.Store
	Venues   *VenueService
	Citizens *CitizenService
	Trust    *TrustDocument
	Issued   *IssuedCodes
	Log      *ScanLog
	// Holders gathers the status reads of concurrent scans; nil reads each
	// alone.
	Holders *HolderReader
	Region  string
	Now     func() time.Time
	Audit   *Audit
	Logger  *slog.Logger
	Metrics *Metrics
	// Retention is how long the scan log keeps scans.
	Retention time.Duration
	// ViaHub resolves through the hub the codes of the regions it names,
	// instead of verifying them here (way 2); nil: none.
	ViaHub *HubResolver
	// Employees keeps the memberships read at venues that admit only an
	// employer's staff; nil reads each one.
	Employees *EmployeeCache
}

var _ healthcode.CheckpointService = (*ScanService)(nil)

// Scan judges code shown at the caller's venue going in direction, logs
// it durably and returns the verdict. A code that cannot be read or
// trusted is a deny, logged too: it is an answer, not an error.
func (s *ScanService) Scan(ctx context.Context, caller *healthcode.Caller, code, direction string) (*healthcode.ScanResult, error) {
	if err := checkDirection(direction); err != nil {
		return nil, err
	}
	if !caller.Is(healthcode.RoleCheckpoint) || caller.VenueID == "" {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only a checkpoint token bound to a venue scans codes")
	}
	v, err := s.Venues.cached(ctx, caller.VenueID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	sc := &healthcode.Scan{VenueID: v.ID, DeviceID: caller.TokenID, Source: healthcode.ScanOnline,
		Direction: direction, At: now}
	res := &healthcode.ScanResult{Scan: sc, Venue: v}
	if err := s.judge(ctx, res, code, now); err != nil {
		return nil, err
	}
	if _, err := s.Log.Record(ctx, []*healthcode.Scan{sc}); err != nil {
		return nil, err
	}
	s.Metrics.scanned(sc)
	return res, nil
}

func checkDirection(d string) error {
	if d != healthcode.DirectionIn && d != healthcode.DirectionOut {
		return (healthcode.FieldErrors{"direction": `must be "in" or "out"`}).Err()
	}
	return nil
}

// judge reads the code and its holder and sets the verdict of res.Scan.
func (s *ScanService) judge(ctx context.Context, res *healthcode.ScanResult, code string, now time.Time) error {
	sc, v := res.Scan, res.Venue
	holder, err := s.holder(ctx, res, code, now)
	if err != nil {
		return err
	}
	if holder == nil { // the code itself was refused
		sc.Verdict = healthcode.VerdictDeny
		if res.ResolvedVia == healthcode.ResolvedViaHub {
			sc.Reasons = append(sc.Reasons, healthcode.DenyViaHub)
		}
		return nil
	}
	if v.Policy.Employer != "" && sc.Direction == healthcode.DirectionIn {
		if holder.Employee, err = s.employee(ctx, &v.Policy, sc.PersonID); err != nil {
			return err
		}
	}
	d := entry.Decide(&v.Policy, holder, sc.Direction, now)
	sc.Verdict, sc.Reasons = d.Verdict, d.Reasons
	sc.Colour = holder.Colour
	res.ActionRequired = holder.ActionRequired
	if res.ResolvedVia == healthcode.ResolvedViaHub && sc.Verdict == healthcode.VerdictDeny {
		sc.Reasons = append(sc.Reasons, healthcode.DenyViaHub)
	}
	return nil
}

// holder reads who shows code: from the node's own memory of the codes it
// issued, or by verifying the code against the trust list. For a person
// of this region the live status counts, not the colour in the code: a
// recompute shows at the door the moment it commits. A nil holder with a
// nil error means the code was refused; res.Scan.Reasons says why.
func (s *ScanService) holder(ctx context.Context, res *healthcode.ScanResult, code string, now time.Time) (*entry.Holder, error) {
	sc := res.Scan
	needDetail := entry.NeedsDetail(&res.Venue.Policy)
	verifier, err := s.Trust.Verifier(ctx)
	if err != nil {
		return nil, err
	}
	if e, ok := s.Issued.Find(code); ok && verifier.KeyUsable(s.Region, e.KID, e.IssuedAt) {
		sc.Region, sc.PersonID = s.Region, e.PersonID
		res.Name, res.IDMasked, res.ExpiresAt = e.Name, e.IDMasked, e.ExpiresAt
		if now.After(e.ExpiresAt) {
			sc.Reasons = []string{healthcode.DenyExpired}
			return nil, nil
		}
		return s.localHolder(ctx, res, e.PersonID, nil, needDetail, now)
	}
	if s.ViaHub != nil {
		// Read, not verified: only to see whether the hub is the judge. A
		// national code of this region's own person is judged here.
		if p, err := hcode.ParseHealth(code); err == nil && s.ViaHub.Resolves(p.Health.Issuer) && p.Health.SubjectRegion() != s.Region {
			return s.hubHolder(ctx, res, code, p.Health)
		}
	}
	vd, err := s.Trust.Verify(ctx, code, now)
	if err != nil {
		return nil, err
	}
	if c := vd.Claims; c != nil {
		// The log names the person where the subject does: a national
		// code's home region, so a trace reaches them there.
		sc.Region, sc.Subject, sc.Colour = c.SubjectRegion(), c.Subject, c.Colour
		res.Name, res.IDMasked, res.ExpiresAt = c.Name, c.IDMasked, c.ExpiresAt
	}
	if !vd.Valid {
		sc.Reasons = []string{denyReason(vd.Error, code)}
		return nil, nil
	}
	c := vd.Claims
	if c.SubjectRegion() == s.Region {
		// This region's person, by a local code or a national code of
		// theirs: the live status counts.
		return s.localHolder(ctx, res, 0, c.Subject, needDetail, now)
	}
	// A visitor: the code is all this node knows of them.
	h := &entry.Holder{Colour: c.Colour, ActionRequired: c.Action, Doses: c.Doses}
	if c.Test != nil {
		h.LatestTest = &healthcode.TestSummary{SampledAt: c.Test.At, Result: c.Test.Result}
	}
	return h, nil
}

// localHolder reads the live status of a person of this region, by id or
// by subject, evaluating it again when it is due.
func (s *ScanService) localHolder(ctx context.Context, res *healthcode.ScanResult, personID int64, subject []byte, needDetail bool, now time.Time) (*entry.Holder, error) {
	var sh *healthcode.ScanHolder
	var err error
	if personID != 0 && s.Holders != nil {
		sh, err = s.Holders.Find(ctx, personID, needDetail)
	} else {
		sh, err = s.Store.FindScanHolder(ctx, personID, subject, needDetail, now)
	}
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		res.Scan.Reasons = []string{healthcode.DenyUnknownPerson}
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	res.Scan.PersonID, res.Scan.Subject = sh.PersonID, sh.Subject
	if !sh.Due && !needDetail {
		return &entry.Holder{Colour: sh.Colour, ActionRequired: sh.ActionRequired}, nil
	}
	st := sh.Status
	if sh.Due || st == nil {
		if st, err = s.Citizens.Status(ctx, sh.PersonID); err != nil {
			return nil, err
		}
	}
	return &entry.Holder{Colour: st.Colour, ActionRequired: st.ActionRequired, LatestTest: st.LatestTest, Doses: st.Doses}, nil
}

// denyReason turns a verifier's error code into the reason the staff see.
func denyReason(code, text string) string {
	switch code {
	case verify.Expired:
		return healthcode.DenyExpired
	case verify.NotYetValid:
		return healthcode.DenyNotYetValid
	case verify.UnknownRegion:
		return healthcode.DenyUntrusted
	case verify.KeyRevoked:
		return healthcode.DenyKeyRevoked
	case verify.UnknownKID, verify.BadSignature, verify.KeyNotValidAtIAT:
		return healthcode.DenyForged
	case verify.BadPrefix:
		if len(text) >= 6 && text[:6] == "CNPC1:" {
			return healthcode.DenyWrongCodeKind
		}
	}
	return healthcode.DenyMalformed
}
