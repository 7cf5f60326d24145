package mock

import (
	"context"

	"github.com/healthcode/healthcode"
)

var _ healthcode.CitizenService = (*CitizenService)(nil)

// CitizenService is a healthcode.CitizenService made of function fields.
type CitizenService struct {
	SaveProfileFn      func(ctx context.Context, personID int64, p *healthcode.Profile) (*healthcode.Profile, error)
	ProfileFn          func(ctx context.Context, personID int64) (*healthcode.Profile, error)
	DeclareFn          func(ctx context.Context, personID int64, d *healthcode.Declaration) (*healthcode.Declaration, *healthcode.Status, error)
	CheckDeclarationFn func(d *healthcode.Declaration) error
	DeclarationsFn     func(ctx context.Context, personID int64, limit int) ([]*healthcode.Declaration, error)
	StatusFn           func(ctx context.Context, personID int64) (*healthcode.Status, error)
	CodeFn             func(ctx context.Context, personID int64) (*healthcode.IssuedCode, error)
	RecordsFn          func(ctx context.Context, personID int64) (*healthcode.OwnRecords, error)
}

func (s *CitizenService) SaveProfile(ctx context.Context, personID int64, p *healthcode.Profile) (*healthcode.Profile, error) {
	return s.SaveProfileFn(ctx, personID, p)
}

func (s *CitizenService) Profile(ctx context.Context, personID int64) (*healthcode.Profile, error) {
	return s.ProfileFn(ctx, personID)
}

func (s *CitizenService) Declare(ctx context.Context, personID int64, d *healthcode.Declaration) (*healthcode.Declaration, *healthcode.Status, error) {
	return s.DeclareFn(ctx, personID, d)
}

func (s *CitizenService) CheckDeclaration(d *healthcode.Declaration) error {
	return s.CheckDeclarationFn(d)
}

func (s *CitizenService) Declarations(ctx context.Context, personID int64, limit int) ([]*healthcode.Declaration, error) {
	return s.DeclarationsFn(ctx, personID, limit)
}

func (s *CitizenService) Status(ctx context.Context, personID int64) (*healthcode.Status, error) {
	return s.StatusFn(ctx, personID)
}

func (s *CitizenService) Code(ctx context.Context, personID int64) (*healthcode.IssuedCode, error) {
	return s.CodeFn(ctx, personID)
}

func (s *CitizenService) Records(ctx context.Context, personID int64) (*healthcode.OwnRecords, error) {
	return s.RecordsFn(ctx, personID)
}
