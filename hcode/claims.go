package hcode

import (
	"time"

	"github.com/healthcode/healthcode"
)

// HealthClaims are the claims of a health code (DESIGN §3). Times travel as
// whole seconds.
type HealthClaims struct {
	Issuer    string    // 1 iss: region id, "CN" for the hub
	IssuedAt  time.Time // 6 iat
	ExpiresAt time.Time // 4 exp
	CTI       []byte    // 7 cti: 16 random bytes

	Subject  []byte            // "s": 16-byte pseudonym
	Colour   healthcode.Colour // "c"
	Action   bool              // "a": action required
	Name     string            // "n": masked name
	IDMasked string            // "i": masked document number
	Test     *TestClaim        // "t": latest test, nil if none
	Doses    int               // "d": vaccination doses
	Home     string            // "h": home region when it differs from Issuer
}

// SubjectRegion is the region in which Subject names the person: the home
// region of a national code (iss "CN", "h" set), which carries the
// pseudonym of the code it was exchanged for; the issuer otherwise.
func (c *HealthClaims) SubjectRegion() string {
	if c.Issuer == NationalRegion && c.Home != "" {
		return c.Home
	}
	return c.Issuer
}

// TestClaim is the latest nucleic-acid test carried by a health code.
type TestClaim struct {
	At     time.Time             // "at": sample time
	Result healthcode.TestResult // "r"
}

// PlaceClaims are the claims of a place code (DESIGN §4).
type PlaceClaims struct {
	Issuer   string    // 1 iss
	IssuedAt time.Time // 6 iat
	CTI      []byte    // 7 cti

	ID       string // "id": venue id
	Kind     string // "k": one of PlaceKinds
	Name     string // "n"
	Division string // "r": six-digit division code
}

// PlaceKinds lists the kinds of venue a place code may name.
var PlaceKinds = []string{
	"community", "office", "factory", "school", "pharmacy", "supermarket",
	"mall", "subway", "railway", "hospital", "other",
}

// ValidPlaceKind reports whether k is one of PlaceKinds.
func ValidPlaceKind(k string) bool {
	for _, v := range PlaceKinds {
		if k == v {
			return true
		}
	}
	return false
}

// maxSeconds is 9999-12-31T23:59:59Z: later times do not marshal to RFC 3339.
const maxSeconds = 253402300799

func validSeconds(s int64) bool { return s > 0 && s <= maxSeconds }

func seconds(t time.Time) int64 { return t.Unix() }

func fromSeconds(s int64) time.Time { return time.Unix(s, 0).UTC() }

// Validate reports, field by field, what keeps c from being issued or
// accepted.
func (c *HealthClaims) Validate() error {
	var fe healthcode.FieldErrors
	if !ValidRegion(c.Issuer) {
		fe.Add("iss", "must be CN or CN- and a six-digit division code")
	}
	iat, exp := seconds(c.IssuedAt), seconds(c.ExpiresAt)
	if !validSeconds(iat) {
		fe.Add("iat", "missing or out of range")
	}
	if !validSeconds(exp) {
		fe.Add("exp", "missing or out of range")
	} else if exp <= iat {
		fe.Add("exp", "must be after iat")
	}
	if len(c.Subject) == 0 {
		fe.Add("s", "missing subject")
	}
	if c.Colour < healthcode.Green || c.Colour > healthcode.Red {
		fe.Add("c", "unknown colour")
	}
	if t := c.Test; t != nil {
		if !validSeconds(seconds(t.At)) {
			fe.Add("t.at", "missing or out of range")
		}
		if t.Result != healthcode.Negative && t.Result != healthcode.Positive {
			fe.Add("t.r", "unknown test result")
		}
	}
	if c.Doses < 0 {
		fe.Add("d", "must not be negative")
	}
	if c.Home != "" && !ValidRegion(c.Home) {
		fe.Add("h", "must be a region id")
	}
	return fe.Err()
}

// Validate reports, field by field, what keeps c from being issued or
// accepted.
func (c *PlaceClaims) Validate() error {
	var fe healthcode.FieldErrors
	if !ValidRegion(c.Issuer) {
		fe.Add("iss", "must be CN or CN- and a six-digit division code")
	}
	if !validSeconds(seconds(c.IssuedAt)) {
		fe.Add("iat", "missing or out of range")
	}
	if c.ID == "" {
		fe.Add("id", "missing venue id")
	}
	if !ValidPlaceKind(c.Kind) {
		fe.Add("k", "unknown venue kind")
	}
	if c.Division != "" && !ValidDivision(c.Division) {
		fe.Add("r", "must be a six-digit division code")
	}
	return fe.Err()
}
