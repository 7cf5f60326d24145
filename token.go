package healthcode

import "time"

// StaffToken is a bearer token for staff, devices, providers and peers. Only
// the SHA-256 of the token is stored.
type StaffToken struct {
	ID        int64
	Role      Role
	Name      string
	VenueID   string // venue and checkpoint tokens
	DataKind  string // provider tokens
	Region    string // peer tokens at the hub: the one region they act for
	OrgID     string // org tokens: the organisation they manage
	OrgUnit   string // org tokens of one unit only; "" for the whole organisation
	TokenHash []byte
	CreatedAt time.Time
	RevokedAt time.Time // zero while valid
}

// Session is a citizen's signed-in session. Only the SHA-256 of the token is
// stored; the same token works as a bearer token and as a cookie.
type Session struct {
	TokenHash []byte
	PersonID  int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// OTP is the pending one-time password state of one phone number.
type OTP struct {
	Phone       string
	CodeHash    []byte    // keyed hash of the six digits; nil when none pending
	ExpiresAt   time.Time // of the pending password
	Attempts    int       // wrong tries against the pending password
	LockedUntil time.Time // zero when not locked
	SentAt      time.Time // last send, for the per-phone send rate
	SendCount   int       // sends in the window starting at WindowStart
	WindowStart time.Time
}
