package healthcode

import (
	"context"
	"time"
)

// The services below are what the HTTP layer calls. Package node implements
// them over a Store; package mock has test doubles. Every method that acts
// for a person takes the person id of an authenticated caller: the HTTP
// layer checks roles, the services check input.

// AuthService signs citizens in and resolves bearer tokens.
type AuthService interface {
	// RequestOTP sends a one-time password to phone. In dev mode the
	// password is also returned in OTPSent.DevOTP.
	RequestOTP(ctx context.Context, phone, clientAddr string) (*OTPSent, error)
	// CreateSession checks the password and returns a new session token.
	CreateSession(ctx context.Context, phone, otp, clientAddr string) (token string, s *Session, err error)
	// DeleteSession signs out.
	DeleteSession(ctx context.Context, token string) error
	// Authenticate resolves a session or staff token: EUNAUTHORIZED when unknown.
	Authenticate(ctx context.Context, token string) (*Caller, error)
}

// OTPSent answers RequestOTP.
type OTPSent struct {
	ExpiresAt time.Time
	DevOTP    string // only in --dev
}

// CitizenService is what a signed-in person does with their own data.
type CitizenService interface {
	SaveProfile(ctx context.Context, personID int64, p *Profile) (*Profile, error)
	Profile(ctx context.Context, personID int64) (*Profile, error)
	// Declare validates and stores d, then evaluates the status again.
	Declare(ctx context.Context, personID int64, d *Declaration) (*Declaration, *Status, error)
	// CheckDeclaration validates d as Declare does, storing nothing: for a
	// form that refuses some fields itself, so that every error shows at
	// once.
	CheckDeclaration(d *Declaration) error
	Declarations(ctx context.Context, personID int64, limit int) ([]*Declaration, error)
	// Status returns the current status, evaluating it again when stale.
	Status(ctx context.Context, personID int64) (*Status, error)
	// Code issues a fresh signed health code.
	Code(ctx context.Context, personID int64) (*IssuedCode, error)
	// Records returns the records the node holds about the person
	// (filed under their own document number), each kind newest first,
	// with nothing that names someone else: empty before a profile.
	Records(ctx context.Context, personID int64) (*OwnRecords, error)
}

// OwnRecords are a person's own records as they see them. Each kind is
// newest first. PersonKey and ExternalID are blank, and a contact's CaseID
// (the provider's id of the case it traces to, which could lead to who the
// case was) is never set.
type OwnRecords struct {
	Tests         []Test
	Vaccinations  []Vaccination
	Cases         []Case
	Contacts      []Contact
	Quarantines   []Quarantine
	Travel        []Travel
	DrugPurchases []DrugPurchase
	// Scans are the scans of the person's code at this region's
	// checkpoints and their own check-ins, newest first: what the venues'
	// devices read of them, which the access audit log does not hold (it
	// keeps the reads people choose to make).
	Scans []*Scan
}

// IssuedCode is a signed health code ready to display.
type IssuedCode struct {
	Code      string    `json:"code"` // "CNHC1:…"
	Colour    Colour    `json:"colour"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
}
