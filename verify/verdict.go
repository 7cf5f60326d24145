// Package verify is the offline verifier: it decides whether a health code
// is authentic and current using only a trust list, with no store and no
// network, as a scanning device runs it.
package verify

import (
	"time"

	"github.com/healthcode/healthcode/hcode"
)

// Error codes of a Verdict, one per reason a code is refused.
const (
	BadPrefix        = "bad_prefix"           // not a CNHC1: code
	BadBase45        = "bad_base45"           // text is not Base45
	BadCompression   = "bad_compression"      // zlib stream broken or inflating past 64 KiB
	BadCOSE          = "bad_cose"             // not a COSE_Sign1 with alg and kid
	BadClaims        = "bad_claims"           // claims missing or malformed
	UnknownRegion    = "unknown_region"       // iss names no region of the trust list
	UnknownKID       = "unknown_kid"          // the region has no key with this kid
	BadSignature     = "bad_signature"        // no key with this kid verifies the signature
	KeyRevoked       = "key_revoked"          // the signing key is revoked
	KeyNotValidAtIAT = "key_not_valid_at_iat" // iat outside the key's not_before/not_after
	Expired          = "expired"              // now is after exp
	NotYetValid      = "not_yet_valid"        // now is before iat minus Skew
)

// Skew is how far a verifier's clock may lag the issuer's.
const Skew = 5 * time.Minute

// Verdict is the outcome of verifying one code. The fields from the code's
// claims are filled only once its signature holds, so nothing shown comes
// from a forged code; Region and KID are filled as soon as the code parses,
// to help diagnose a refusal.
type Verdict struct {
	Valid   bool   `json:"valid"`
	Error   string `json:"error,omitempty"` // one of the error codes, empty when valid
	Message string `json:"message"`

	Region string `json:"region,omitempty"` // iss
	KID    []byte `json:"kid,omitempty"`
	Alg    string `json:"alg,omitempty"`

	Colour         string      `json:"colour,omitempty"` // "green", "yellow" or "red"
	ActionRequired bool        `json:"action_required"`
	IssuedAt       time.Time   `json:"issued_at,omitzero"`
	ExpiresAt      time.Time   `json:"expires_at,omitzero"`
	Name           string      `json:"name,omitempty"` // masked
	ID             string      `json:"id,omitempty"`   // masked document number
	Home           string      `json:"home,omitempty"` // home region of a visitor
	LatestTest     *LatestTest `json:"latest_test,omitempty"`
	Doses          int         `json:"doses"`

	// Claims are the authentic claims, for Go callers; nil until the
	// signature holds.
	Claims *hcode.HealthClaims `json:"-"`
}

// LatestTest is the latest nucleic-acid test carried by the code.
type LatestTest struct {
	SampledAt time.Time `json:"sampled_at"`
	Result    string    `json:"result"` // "negative" or "positive"
}

func refuse(v Verdict, code, msg string) Verdict {
	v.Valid, v.Error, v.Message = false, code, msg
	return v
}

// withClaims fills the verdict from claims whose signature holds.
func (v Verdict) withClaims(c *hcode.HealthClaims) Verdict {
	v.Claims = c
	v.Colour = c.Colour.String()
	v.ActionRequired = c.Action
	v.IssuedAt, v.ExpiresAt = c.IssuedAt, c.ExpiresAt
	v.Name, v.ID, v.Home = c.Name, c.IDMasked, c.Home
	v.Doses = c.Doses
	if c.Test != nil {
		r := "negative"
		if c.Test.Result != 0 {
			r = "positive"
		}
		v.LatestTest = &LatestTest{SampledAt: c.Test.At, Result: r}
	}
	return v
}
