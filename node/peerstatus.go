package node

import (
	"context"

	"github.com/healthcode/healthcode"
)

var _ healthcode.PeerService = (*ScanService)(nil)

// PeerStatus answers a peer, the hub resolving a code for another region
// (way 2), with the live status of the holder of code: as a scan here
// would see them, the stored status evaluated again when due, not the
// colour the code was issued with. The code must be this region's and
// valid now; nothing about the person goes out but colour and action.
func (s *ScanService) PeerStatus(ctx context.Context, caller *healthcode.Caller, code string) (*healthcode.PeerStatus, error) {
	if !caller.Is(healthcode.RolePeer) {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only a peer token (the hub's) asks for a code's status")
	}
	if code == "" {
		return nil, healthcode.FieldErrors{"code": "required: the health code text as scanned"}.Err()
	}
	now := s.Now()
	verifier, err := s.Trust.Verifier(ctx)
	if err != nil {
		return nil, err
	}
	// A scratch result: localHolder notes there who it found, or why not.
	res := &healthcode.ScanResult{Scan: &healthcode.Scan{}}
	var personID int64
	var subject []byte
	if e, ok := s.Issued.Find(code); ok && verifier.KeyUsable(s.Region, e.KID, e.IssuedAt) && !now.After(e.ExpiresAt) {
		personID = e.PersonID
	} else {
		vd := verifier.Verify(code, now)
		switch {
		case !vd.Valid:
			return nil, &healthcode.Error{Code: healthcode.EINVALID, Message: "code: not valid here (" + vd.Error + "): " + vd.Message,
				Fields: map[string]string{"code": vd.Error}}
		case vd.Claims.Issuer != s.Region:
			return nil, healthcode.FieldErrors{"code": "a code of " + vd.Claims.Issuer + ", not of " + s.Region + ": ask its own region"}.Err()
		}
		subject = vd.Claims.Subject
	}
	h, err := s.localHolder(ctx, res, personID, subject, false, now)
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, healthcode.Errorf(healthcode.ENOTFOUND, "the holder of this code is not known here")
	}
	return &healthcode.PeerStatus{Region: s.Region, Colour: h.Colour, ActionRequired: h.ActionRequired, CheckedAt: now.UTC()}, nil
}
