package healthcode

import (
	"context"
	"time"
)

// Store is the persistence of a region node. SQLite and PostgreSQL both
// implement it (package sqlstore, opened by packages sqlite and postgres);
// one test suite runs against both. Implementations keep no state in
// process memory that correctness depends on: several nodes may share one
// PostgreSQL database.
//
// Errors are *Error: ENOTFOUND when a looked-up thing does not exist,
// ECONFLICT on a uniqueness clash, EINTERNAL otherwise.
type Store interface {
	PersonStore
	OTPStore
	SessionStore
	DeclarationStore
	RecordStore
	StatusStore
	KeyStore
	TokenStore
	AppealStore
	AuditStore
	VenueStore
	ScanStore
	ScanHolderStore
	OrgStore
	HealthCheckStore
	ResumptionStore
	Close() error
}

// PersonStore keeps people and their profiles.
type PersonStore interface {
	// FindOrCreatePerson returns the person with phone, creating it with
	// the given subject pseudonym when there is none.
	FindOrCreatePerson(ctx context.Context, phone string, subject []byte, now time.Time) (*Person, error)
	FindPerson(ctx context.Context, id int64) (*Person, error)
	// SaveProfile inserts or replaces the profile of p.PersonID. The
	// document number is stored encrypted, with its keyed hash (PersonKey)
	// unique across people: ECONFLICT when another person holds it.
	SaveProfile(ctx context.Context, p *Profile) error
	FindProfile(ctx context.Context, personID int64) (*Profile, error)
	// Identities returns the name and document of each of personIDs that
	// has a profile; the others are missing from the map.
	Identities(ctx context.Context, personIDs []int64) (map[int64]Identity, error)
	// PersonKey returns the keyed hash that records use to name the person,
	// ENOTFOUND when the person has no profile yet.
	PersonKey(ctx context.Context, personID int64) ([]byte, error)
}

// OTPStore keeps one-time password state per phone.
type OTPStore interface {
	// UpdateOTP reads the state of phone (a zero OTP with Phone set when
	// there is none), calls fn, and writes back what fn left, atomically
	// with respect to every other UpdateOTP of the same phone on any node.
	// When fn returns an error nothing is written and that error is
	// returned, except that fn may return a *KeepError to write and still
	// fail.
	UpdateOTP(ctx context.Context, phone string, fn func(*OTP) error) error
}

// KeepError asks UpdateOTP to write the state and return Err.
type KeepError struct{ Err error }

func (e *KeepError) Error() string { return e.Err.Error() }
func (e *KeepError) Unwrap() error { return e.Err }

// SessionStore keeps citizen sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the session with tokenHash that has not expired
	// at now; ENOTFOUND otherwise.
	FindSession(ctx context.Context, tokenHash []byte, now time.Time) (*Session, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
}

// DeclarationStore keeps declarations; history is never overwritten.
type DeclarationStore interface {
	// CreateDeclaration stores d and sets d.ID.
	CreateDeclaration(ctx context.Context, d *Declaration) error
	// ListDeclarations returns the person's declarations, newest first.
	ListDeclarations(ctx context.Context, personID int64, limit int) ([]*Declaration, error)
}

// RecordStore keeps records from data providers and the region's risk areas.
type RecordStore interface {
	// AddRecords stores every record of b in one transaction.
	AddRecords(ctx context.Context, b *RecordBatch) error
	// ReplaceRiskAreas replaces the region's risk area list.
	ReplaceRiskAreas(ctx context.Context, areas []RiskArea) error
	RiskAreas(ctx context.Context) ([]RiskArea, error)
	// Facts returns what the status engine reads about the person with
	// personID (its declarations) and personKey (its records; nil when
	// the person has no profile yet), as of now.
	Facts(ctx context.Context, personID int64, personKey []byte, now time.Time) (*Facts, error)
}

// StatusStore keeps the evaluated status of each person, so a read is cheap.
type StatusStore interface {
	SaveStatus(ctx context.Context, personID int64, s *Status) error
	// FindStatus returns the stored status, ENOTFOUND when none.
	FindStatus(ctx context.Context, personID int64) (*Status, error)
	// FindCodeHolder returns, in one read, what issuing a code needs:
	// ENOTFOUND when the person does not exist.
	FindCodeHolder(ctx context.Context, personID int64) (*CodeHolder, error)
}

// KeyStore keeps the node's signing keys, private parts sealed.
type KeyStore interface {
	CreateSigningKey(ctx context.Context, k *SigningKey) error
	// SigningKeys returns every key, newest first, private parts opened.
	SigningKeys(ctx context.Context) ([]*SigningKey, error)
	UpdateSigningKey(ctx context.Context, k *SigningKey) error
}

// TokenStore keeps staff tokens.
type TokenStore interface {
	CreateStaffToken(ctx context.Context, t *StaffToken) error
	// FindStaffToken returns the unrevoked token with tokenHash, ENOTFOUND otherwise.
	FindStaffToken(ctx context.Context, tokenHash []byte) (*StaffToken, error)
	ListStaffTokens(ctx context.Context) ([]*StaffToken, error)
	RevokeStaffToken(ctx context.Context, id int64, now time.Time) error
}

// CodeHolder is what issuing one code reads about a person.
type CodeHolder struct {
	Subject []byte
	// Profile is nil when the person has none; otherwise it holds at least
	// Name and IDNumber, opened.
	Profile *Profile
	// Status is nil when none is stored yet.
	Status *Status
}
