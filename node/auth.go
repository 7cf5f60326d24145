package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/secret"
)

// Sign-in limits. The issue fixes the first three; the send limits keep an
// attacker from spending the SMS budget on one phone. A send that failed
// (the gateway down or refusing, no gateway at all) counts against neither
// send limit: the person may ask again at once. Failed sends have a bound
// of their own instead, so that a failing gateway is not asked without
// end (and a phone not texted without end by one that fails after
// delivering): OTPFailedSendsBurst in a row, then one every
// OTPFailedSendEvery.
const (
	OTPLifetime         = 5 * time.Minute
	OTPMaxAttempts      = 5
	OTPLockFor          = 15 * time.Minute
	OTPResendAfter      = time.Minute
	OTPSendsPerHour     = 5
	OTPFailedSendsBurst = 5
	OTPFailedSendEvery  = 12 * time.Minute
	SessionLifetime     = 30 * 24 * time.Hour
)

// AuthService implements healthcode.AuthService.
type AuthService struct {
	Store  healthcode.Store
	Box    *secret.Box
	Sender OTPSender
	// Dev returns the password in the response (DESIGN §7 dev_otp).
	Dev    bool
	Now    func() time.Time
	Logger *slog.Logger

	otpByAddr     *KeyLimiter
	sessionByAddr *KeyLimiter
	// failedSends counts the password sends that failed, per phone, and
	// only those (Spend): OTPFailedSendsBurst, then one every
	// OTPFailedSendEvery.
	failedSends *KeyLimiter
	staffTokens tokenCache
}

// NewAuthService returns an AuthService with the default per-address limits:
// 10 password requests and 30 sign-in attempts a minute.
func NewAuthService(store healthcode.Store, box *secret.Box, sender OTPSender) *AuthService {
	return &AuthService{
		Store: store, Box: box, Sender: sender,
		Now:           time.Now,
		Logger:        slog.Default(),
		otpByAddr:     NewKeyLimiter(10, 10),
		sessionByAddr: NewKeyLimiter(30, 30),
		failedSends:   NewKeyLimiterEvery(OTPFailedSendEvery, OTPFailedSendsBurst),
	}
}

var _ healthcode.AuthService = (*AuthService)(nil)

func (s *AuthService) otpHash(phone, code string) []byte {
	return s.Box.Hash("otp", []byte(phone+":"+code))
}

func rateLimited(wait time.Duration, what string) error {
	secs := int(wait.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &healthcode.Error{Code: healthcode.ERATELIMIT,
		Message: fmt.Sprintf("too many %s: try again in %d seconds", what, secs),
		Fields:  map[string]string{"retry_after": fmt.Sprint(secs)}}
}

func lockedError(until time.Time) error {
	return &healthcode.Error{Code: healthcode.ELOCKED,
		Message: "too many wrong passwords: this phone is locked until " + until.UTC().Format(time.RFC3339),
		Fields:  map[string]string{"retry_after": fmt.Sprint(int(time.Until(until).Seconds()) + 1)}}
}

func validPhone(phone string) (string, error) {
	p, ok := idnum.ValidPhone(phone)
	if !ok {
		var fe healthcode.FieldErrors
		if phone == "" {
			fe.Add("phone", "required")
		} else {
			fe.Add("phone", "must be a mainland mobile number of 11 digits starting with 1")
		}
		return "", fe.Err()
	}
	return p, nil
}

// RequestOTP makes a new six-digit password for phone and sends it.
//
// The send is reserved in the store first (the phone's resend window and
// hourly count, the new password's hash), so that two requests for one
// phone never both send. When the send fails, the reservation is undone
// (releaseOTP): nothing reached the person, so nothing counts against
// them, and the password they were sent before, if any, holds again. The
// failure is counted instead, in this process's memory, and bounds the
// sends tried for the phone (OTPFailedSendsBurst).
func (s *AuthService) RequestOTP(ctx context.Context, phone, clientAddr string) (*healthcode.OTPSent, error) {
	now := s.Now()
	phone, err := validPhone(phone)
	if err != nil {
		return nil, err
	}
	if ok, wait := s.otpByAddr.Allow(clientAddr, now); !ok {
		return nil, rateLimited(wait, "password requests from this address")
	}
	if wait := s.failedSends.Wait(phone, now); wait > 0 {
		return nil, rateLimited(wait, "failed password sends for this phone")
	}
	code, err := sixDigits()
	if err != nil {
		return nil, healthcode.Internal(err, "otp random")
	}
	expires := now.Add(OTPLifetime)
	hash := s.otpHash(phone, code)
	var prev healthcode.OTP
	err = s.Store.UpdateOTP(ctx, phone, func(o *healthcode.OTP) error {
		if now.Before(o.LockedUntil) {
			return lockedError(o.LockedUntil)
		}
		if wait := o.SentAt.Add(OTPResendAfter).Sub(now); wait > 0 {
			return rateLimited(wait, "password requests for this phone")
		}
		prev = *o
		if now.Sub(o.WindowStart) >= time.Hour {
			o.WindowStart, o.SendCount = now, 0
		}
		if o.SendCount >= OTPSendsPerHour {
			return rateLimited(o.WindowStart.Add(time.Hour).Sub(now), "password requests for this phone")
		}
		o.SendCount++
		o.SentAt = now
		o.CodeHash = hash
		o.ExpiresAt = expires
		o.Attempts = 0
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Sender.SendOTP(ctx, phone, code, expires); err != nil {
		s.failedSends.Spend(phone, now)
		s.Logger.WarnContext(ctx, "one-time password not sent; the request does not count against the phone's limits", "err", err)
		// The request may have been cancelled: the reservation is undone all the same.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if rerr := s.releaseOTP(rctx, phone, hash, prev); rerr != nil {
			s.Logger.ErrorContext(ctx, "the failed send of a one-time password still counts against the phone's limits", "err", rerr)
		}
		if healthcode.ErrorCode(err) == healthcode.EINTERNAL {
			err = &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the password could not be sent", Err: err}
		}
		return nil, err
	}
	sent := &healthcode.OTPSent{ExpiresAt: expires}
	if s.Dev {
		sent.DevOTP = code
	}
	return sent, nil
}

// errOTPMoved leaves the OTP row as it is (UpdateOTP writes nothing when
// fn fails).
var errOTPMoved = errors.New("otp row moved on")

// releaseOTP undoes the reservation RequestOTP made for a send that
// failed, when the row still holds it (its password hash is reserved):
// the resend window, the hourly count and the pending password go back
// to prev, the state before it. A password used or locked meanwhile left
// the row to the sign-in, and is not touched. Wrong tries made against
// the reserved password meanwhile count against the one given back, and
// lock the phone when they reach OTPMaxAttempts, as tries against it
// would.
func (s *AuthService) releaseOTP(ctx context.Context, phone string, reserved []byte, prev healthcode.OTP) error {
	now := s.Now()
	err := s.Store.UpdateOTP(ctx, phone, func(o *healthcode.OTP) error {
		if o.CodeHash == nil || !bytes.Equal(o.CodeHash, reserved) {
			return errOTPMoved
		}
		o.SentAt, o.SendCount, o.WindowStart = prev.SentAt, prev.SendCount, prev.WindowStart
		o.CodeHash, o.ExpiresAt = prev.CodeHash, prev.ExpiresAt
		o.Attempts += prev.Attempts
		if o.Attempts >= OTPMaxAttempts {
			o.CodeHash, o.Attempts = nil, 0
			o.LockedUntil = now.Add(OTPLockFor)
		}
		return nil
	})
	if errors.Is(err, errOTPMoved) {
		return nil
	}
	return err
}

func sixDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

var errWrongOTP = healthcode.Errorf(healthcode.EUNAUTHORIZED, "wrong or expired one-time password")

// CreateSession checks the password of phone and opens a session.
func (s *AuthService) CreateSession(ctx context.Context, phone, otp, clientAddr string) (string, *healthcode.Session, error) {
	now := s.Now()
	var fe healthcode.FieldErrors
	p, ok := idnum.ValidPhone(phone)
	if !ok {
		fe.Add("phone", "must be a mainland mobile number of 11 digits starting with 1")
	}
	if len(otp) != 6 || !allDigits(otp) {
		fe.Add("otp", "must be six digits")
	}
	if err := fe.Err(); err != nil {
		return "", nil, err
	}
	phone = p
	if ok, wait := s.sessionByAddr.Allow(clientAddr, now); !ok {
		return "", nil, rateLimited(wait, "sign-in attempts from this address")
	}
	err := s.Store.UpdateOTP(ctx, phone, func(o *healthcode.OTP) error {
		if now.Before(o.LockedUntil) {
			return lockedError(o.LockedUntil)
		}
		if o.CodeHash == nil || !now.Before(o.ExpiresAt) {
			return errWrongOTP
		}
		if subtle.ConstantTimeCompare(o.CodeHash, s.otpHash(phone, otp)) == 1 {
			o.CodeHash, o.Attempts = nil, 0
			return nil
		}
		o.Attempts++
		if o.Attempts >= OTPMaxAttempts {
			o.CodeHash, o.Attempts = nil, 0
			o.LockedUntil = now.Add(OTPLockFor)
			return &healthcode.KeepError{Err: lockedError(o.LockedUntil)}
		}
		return &healthcode.KeepError{Err: healthcode.Errorf(healthcode.EUNAUTHORIZED,
			"wrong one-time password: %d tries left", OTPMaxAttempts-o.Attempts)}
	})
	if err != nil {
		return "", nil, err
	}
	subject := make([]byte, 16)
	rand.Read(subject)
	person, err := s.Store.FindOrCreatePerson(ctx, phone, subject, now)
	if err != nil {
		return "", nil, err
	}
	token := newToken(sessionPrefix)
	sess := &healthcode.Session{TokenHash: hashToken(token), PersonID: person.ID, CreatedAt: now, ExpiresAt: now.Add(SessionLifetime)}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// DeleteSession signs out; an unknown token is not an error.
func (s *AuthService) DeleteSession(ctx context.Context, token string) error {
	if !isSessionToken(token) {
		return healthcode.Errorf(healthcode.EINVALID, "not a session token")
	}
	return s.Store.DeleteSession(ctx, hashToken(token))
}

var errUnknownToken = healthcode.Errorf(healthcode.EUNAUTHORIZED, "unknown or expired token")

// Authenticate resolves a session or a staff token.
func (s *AuthService) Authenticate(ctx context.Context, token string) (*healthcode.Caller, error) {
	switch {
	case isSessionToken(token):
		sess, err := s.Store.FindSession(ctx, hashToken(token), s.Now())
		if err != nil {
			return nil, notFoundAs(err, errUnknownToken)
		}
		return &healthcode.Caller{Role: healthcode.RoleCitizen, PersonID: sess.PersonID}, nil
	case isStaffToken(token):
		hash, now := hashToken(token), s.Now()
		if c, ok := s.staffTokens.get(hash, now); ok {
			return c, nil
		}
		t, err := s.Store.FindStaffToken(ctx, hash)
		if err != nil {
			return nil, notFoundAs(err, errUnknownToken)
		}
		c := &healthcode.Caller{Role: t.Role, TokenID: t.ID, Name: t.Name, VenueID: t.VenueID, DataKind: t.DataKind, Region: t.Region,
			OrgID: t.OrgID, OrgUnit: t.OrgUnit}
		s.staffTokens.put(hash, c, now)
		return c, nil
	}
	return nil, errUnknownToken
}

// notFoundAs replaces ENOTFOUND with repl and keeps other errors.
func notFoundAs(err, repl error) error {
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		return repl
	}
	return err
}
