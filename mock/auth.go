package mock

import (
	"context"

	"github.com/healthcode/healthcode"
)

var _ healthcode.AuthService = (*AuthService)(nil)

// AuthService is a healthcode.AuthService made of function fields.
type AuthService struct {
	RequestOTPFn    func(ctx context.Context, phone, clientAddr string) (*healthcode.OTPSent, error)
	CreateSessionFn func(ctx context.Context, phone, otp, clientAddr string) (string, *healthcode.Session, error)
	DeleteSessionFn func(ctx context.Context, token string) error
	AuthenticateFn  func(ctx context.Context, token string) (*healthcode.Caller, error)
}

func (s *AuthService) RequestOTP(ctx context.Context, phone, clientAddr string) (*healthcode.OTPSent, error) {
	return s.RequestOTPFn(ctx, phone, clientAddr)
}

func (s *AuthService) CreateSession(ctx context.Context, phone, otp, clientAddr string) (string, *healthcode.Session, error) {
	return s.CreateSessionFn(ctx, phone, otp, clientAddr)
}

func (s *AuthService) DeleteSession(ctx context.Context, token string) error {
	return s.DeleteSessionFn(ctx, token)
}

func (s *AuthService) Authenticate(ctx context.Context, token string) (*healthcode.Caller, error) {
	return s.AuthenticateFn(ctx, token)
}
