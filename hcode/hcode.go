// Package hcode encodes and decodes the signed codes of DESIGN §3 and §4:
//
//	CNHC1:<base45(zlib(COSE_Sign1))>   the health code a citizen shows
//	CNPC1:<base45(COSE_Sign1)>         the place code on a venue's poster
//
// Decoding is split in two so that a verifier can tell failures apart:
// ParseHealth and ParsePlace check the text, its encoding and the claims
// without any key; (*Parsed).VerifySignature then checks the signature
// under a key the caller chose from its trust list.
package hcode

import (
	"errors"
	"fmt"

	"github.com/healthcode/healthcode"
)

// Prefixes of the two kinds of code.
const (
	HealthPrefix = "CNHC1:"
	PlacePrefix  = "CNPC1:"
)

// MaxInflated is the largest payload a compressed code may inflate to.
const MaxInflated = 64 << 10

// Errors a decoded code may fail with, one per stage. Parse and
// VerifySignature return *healthcode.Error values (code EINVALID) that wrap
// one of these: test with errors.Is.
var (
	ErrPrefix      = errors.New("bad prefix")
	ErrBase45      = errors.New("bad base45")
	ErrCompression = errors.New("bad compression")
	ErrCOSE        = errors.New("bad COSE_Sign1")
	ErrClaims      = errors.New("bad claims")
	ErrSignature   = errors.New("bad signature")
)

// invalid returns an EINVALID error with a client-safe message that wraps
// kind (and cause, when there is one) for errors.Is.
func invalid(kind error, msg string, cause error) error {
	err := kind
	if cause != nil {
		err = fmt.Errorf("%w: %w", kind, cause)
	}
	return &healthcode.Error{Code: healthcode.EINVALID, Message: msg, Err: err}
}
