package verify

import (
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/trust"
)

// Verifier verifies health codes against one trust list. Public keys are
// parsed and indexed by region and kid once, in NewVerifier. It is safe for
// concurrent use.
type Verifier struct {
	regions map[string]map[string][]key // region id → string(kid) → keys
	// from is the keys each region's index was made of, for
	// NewVerifierFrom.
	from map[string][]trust.Key
}

type key struct {
	trust.Key
	pub crypto.PublicKey // parsed Key.PublicKey
}

// NewVerifier indexes the keys of list. It fails when a key does not parse,
// which a list from trust.Parse never has.
func NewVerifier(list *trust.List) (*Verifier, error) {
	return NewVerifierFrom(nil, list)
}

// NewVerifierFrom is NewVerifier taking over prev's index of each region
// whose keys are the very ones prev was made of, the same slice: a
// trust.Reader shares the regions a list repeats with the list before, so
// a refresh that changed one region of 400 parses that region's keys
// alone. prev may be nil.
func NewVerifierFrom(prev *Verifier, list *trust.List) (*Verifier, error) {
	v := &Verifier{regions: make(map[string]map[string][]key, len(list.Regions)),
		from: make(map[string][]trust.Key, len(list.Regions))}
	for _, r := range list.Regions {
		v.from[r.ID] = r.Keys
		if prev != nil && sameKeys(prev.from[r.ID], r.Keys) {
			if byKID, ok := prev.regions[r.ID]; ok {
				v.regions[r.ID] = byKID
				continue
			}
		}
		byKID := make(map[string][]key, len(r.Keys))
		for i, k := range r.Keys {
			pub, err := hcode.ParsePublicKey(k.Alg, k.PublicKey)
			if err != nil {
				return nil, &healthcode.Error{Code: healthcode.EINVALID,
					Message: fmt.Sprintf("trust list region %s key %d: %s", r.ID, i, healthcode.ErrorMessage(err)), Err: err}
			}
			byKID[string(k.KID)] = append(byKID[string(k.KID)], key{Key: k, pub: pub})
		}
		v.regions[r.ID] = byKID
	}
	return v, nil
}

// sameKeys reports whether a and b are one slice (not merely equal ones):
// the lists of a Reader never change a region they share.
func sameKeys(a, b []trust.Key) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0] && cap(a) == cap(b)
}

// Verify decides whether the health code text is valid at now: it parses,
// its kid and signature match a key of the region named by iss, that key is
// neither revoked nor outside its validity at iat, and now lies in
// [iat − Skew, exp]. It never fails otherwise than through the verdict.
func (v *Verifier) Verify(text string, now time.Time) Verdict {
	p, err := hcode.ParseHealth(text)
	if err != nil {
		return refuse(Verdict{}, parseErrorCode(err), healthcode.ErrorMessage(err))
	}
	c := p.Health
	verdict := Verdict{Region: c.Issuer, KID: p.KID, Alg: p.Alg}

	if _, ok := v.regions[c.Issuer]; !ok {
		return refuse(verdict, UnknownRegion, fmt.Sprintf("region %s is not in the trust list", c.Issuer))
	}
	code := v.checkKey(c.Issuer, p, c.IssuedAt)
	if code == UnknownKID {
		return refuse(verdict, UnknownKID, fmt.Sprintf("region %s has no key with this kid", c.Issuer))
	}
	switch code {
	case BadSignature:
		return refuse(verdict, code, "signature does not verify under the region's key")
	case KeyRevoked:
		return refuse(verdict.withClaims(c), code, "the signing key is revoked")
	case KeyNotValidAtIAT:
		return refuse(verdict.withClaims(c), code, "the signing key was not valid when the code was issued")
	}

	verdict = verdict.withClaims(c)
	if now.Before(c.IssuedAt.Add(-Skew)) {
		return refuse(verdict, NotYetValid, "the code is issued in the future")
	}
	if now.After(c.ExpiresAt) {
		return refuse(verdict, Expired, "the code has expired: show a fresh one")
	}
	verdict.Valid, verdict.Message = true, "valid health code"
	return verdict
}

func parseErrorCode(err error) string {
	switch {
	case errors.Is(err, hcode.ErrPrefix):
		return BadPrefix
	case errors.Is(err, hcode.ErrBase45):
		return BadBase45
	case errors.Is(err, hcode.ErrCompression):
		return BadCompression
	case errors.Is(err, hcode.ErrCOSE):
		return BadCOSE
	}
	return BadClaims
}

// checkKey checks the signature of p against the keys of region with its
// kid: "" when a usable key verifies it, else UnknownKID, BadSignature,
// KeyRevoked or KeyNotValidAtIAT (the most telling one, as several keys
// may share a kid).
func (v *Verifier) checkKey(region string, p *hcode.Parsed, iat time.Time) string {
	keys := v.regions[region][string(p.KID)]
	if len(keys) == 0 {
		return UnknownKID
	}
	code := BadSignature
	for _, k := range keys {
		if k.Alg != p.Alg || p.VerifySignature(k.pub) != nil {
			continue
		}
		switch {
		case k.Revoked:
			if code == BadSignature {
				code = KeyRevoked
			}
		case !k.ValidAt(iat):
			code = KeyNotValidAtIAT
		default:
			return ""
		}
	}
	return code
}

// KeyUsable reports whether region has a key with kid that is not revoked
// and was valid at iat: what a code this node signed itself still needs
// when its signature is not checked again.
func (v *Verifier) KeyUsable(region string, kid []byte, iat time.Time) bool {
	for _, k := range v.regions[region][string(kid)] {
		if !k.Revoked && k.ValidAt(iat) {
			return true
		}
	}
	return false
}
