package node

import (
	"context"
	"crypto/rand"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/importer"
)

// Invitation codes are read off a notice or a message and typed in: ten
// characters of an alphabet without look-alikes (no 0/O, 1/I/L), grouped
// "K7QF-M2XH-PA" for reading; about 50 bits, tried only through a session.
const invitationAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// Limits of an invitation's lifetime.
const (
	DefaultInvitationTTL = 7 * 24 * time.Hour
	maxInvitationTTL     = 90 * 24 * time.Hour
)

// hashPurpose separates invitation codes' hashes from the box's others.
const invitationHashPurpose = "org-invitation"

func newInvitationCode() string {
	b := make([]byte, 10)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i == 4 || i == 8 {
			sb.WriteByte('-')
		}
		sb.WriteByte(invitationAlphabet[int(c)%len(invitationAlphabet)])
	}
	return sb.String()
}

// normaliseCode makes a typed code comparable: upper case, no spaces or
// dashes.
func normaliseCode(code string) string {
	code = strings.ToUpper(code)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, code)
}

// CreateInvitation makes a code for the organisation (its unit's, for a
// unit's token), valid for ttl (0: DefaultInvitationTTL).
func (s *OrgService) CreateInvitation(ctx context.Context, caller *healthcode.Caller, orgID, unit string, ttl time.Duration) (string, *healthcode.OrgInvitation, error) {
	o, err := s.orgFor(ctx, caller, orgID)
	if err != nil {
		return "", nil, err
	}
	if unit, err = unitFor(caller, strings.TrimSpace(unit), "unit"); err != nil {
		return "", nil, err
	}
	if ttl == 0 {
		ttl = DefaultInvitationTTL
	}
	var fe healthcode.FieldErrors
	if ttl < time.Hour || ttl > maxInvitationTTL {
		fe.Add("valid_hours", "must be between 1 and 2160 (90 days)")
	}
	if utf8.RuneCountInString(unit) > importer.MaxUnit {
		fe.Add("unit", "must be at most 100 characters")
	}
	if err := fe.Err(); err != nil {
		return "", nil, err
	}
	code := newInvitationCode()
	now := s.Now()
	inv := &healthcode.OrgInvitation{CodeHash: s.Box.Hash(invitationHashPurpose, []byte(normaliseCode(code))),
		OrgID: o.ID, Unit: unit, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Store.CreateOrgInvitation(ctx, inv); err != nil {
		return "", nil, err
	}
	return code, inv, nil
}

var errNoInvitation = &healthcode.Error{Code: healthcode.ENOTFOUND, Message: "invitation: no such code, or it expired",
	Fields: map[string]string{"invitation": "no such code, or it expired"}}

// Join puts the citizen on the roster of the invitation's organisation,
// named by their profile's document and name. Joining twice is a
// conflict.
func (s *OrgService) Join(ctx context.Context, personID int64, code string) (*healthcode.Membership, error) {
	code = normaliseCode(strings.TrimSpace(code))
	if code == "" {
		return nil, (healthcode.FieldErrors{"invitation": "is required"}).Err()
	}
	p, err := s.Store.FindProfile(ctx, personID)
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		return nil, healthcode.Errorf(healthcode.ECONFLICT, "save your profile first: an organisation knows its members by document")
	} else if err != nil {
		return nil, err
	}
	inv, err := s.Store.FindOrgInvitation(ctx, s.Box.Hash(invitationHashPurpose, []byte(code)), s.Now())
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		return nil, errNoInvitation
	} else if err != nil {
		return nil, err
	}
	o, err := s.Store.FindOrg(ctx, inv.OrgID)
	if err != nil {
		return nil, err
	}
	m := &healthcode.OrgMember{Unit: inv.Unit, IDType: string(p.IDType), IDNumber: p.IDNumber, Name: p.Name,
		Source: healthcode.MemberFromInvitation, CreatedAt: s.Now()}
	added, _, err := s.Store.AddOrgMembers(ctx, o.ID, []*healthcode.OrgMember{m})
	if err != nil {
		return nil, err
	}
	if added == 0 {
		return nil, healthcode.Errorf(healthcode.ECONFLICT, "you are on the roster of %s already", o.ID)
	}
	return &healthcode.Membership{OrgID: o.ID, OrgName: o.Name, Kind: o.Kind, Unit: m.Unit, Source: m.Source, JoinedAt: m.CreatedAt}, nil
}

// Memberships lists the organisations the citizen's document is on the
// roster of; none before they save a profile.
func (s *OrgService) Memberships(ctx context.Context, personID int64) ([]*healthcode.Membership, error) {
	key, err := s.Store.PersonKey(ctx, personID)
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		return []*healthcode.Membership{}, nil
	} else if err != nil {
		return nil, err
	}
	ms, err := s.Store.OrgMembersByPersonKey(ctx, key)
	if err != nil {
		return nil, err
	}
	out := make([]*healthcode.Membership, 0, len(ms))
	for _, m := range ms {
		o, err := s.Store.FindOrg(ctx, m.OrgID)
		if err != nil {
			return nil, err
		}
		out = append(out, &healthcode.Membership{OrgID: o.ID, OrgName: o.Name, Kind: o.Kind, Unit: m.Unit,
			Source: m.Source, JoinedAt: m.CreatedAt})
	}
	return out, nil
}

// Leave takes the citizen off the organisation's roster, whichever way
// they came onto it.
func (s *OrgService) Leave(ctx context.Context, personID int64, orgID string) error {
	key, err := s.Store.PersonKey(ctx, personID)
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		return healthcode.Errorf(healthcode.ENOTFOUND, "membership not found")
	} else if err != nil {
		return err
	}
	return s.Store.RemoveOrgMember(ctx, orgID, key)
}
