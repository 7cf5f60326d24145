package hcode

import (
	"github.com/fxamacker/cbor/v2"
	"github.com/healthcode/healthcode"
)

// The wire shapes of the CWT claims. Integer keys are the registered CWT
// claims; "hc" and "pc" are private claims with short text keys.
type cwtClaims struct {
	Iss string      `cbor:"1,keyasint"`
	Exp int64       `cbor:"4,keyasint,omitempty"`
	Iat int64       `cbor:"6,keyasint"`
	CTI []byte      `cbor:"7,keyasint,omitempty"`
	HC  *wireHealth `cbor:"hc,omitempty"`
	PC  *wirePlace  `cbor:"pc,omitempty"`
}

type wireHealth struct {
	V int       `cbor:"v"`
	S []byte    `cbor:"s"`
	C int       `cbor:"c"`
	A bool      `cbor:"a,omitempty"`
	N string    `cbor:"n"`
	I string    `cbor:"i"`
	T *wireTest `cbor:"t,omitempty"`
	D int       `cbor:"d,omitempty"`
	H string    `cbor:"h,omitempty"`
}

type wireTest struct {
	At int64 `cbor:"at"`
	R  int   `cbor:"r"`
}

type wirePlace struct {
	V  int    `cbor:"v"`
	ID string `cbor:"id"`
	K  string `cbor:"k"`
	N  string `cbor:"n"`
	R  string `cbor:"r"`
}

// protectedHeader is the COSE protected header: alg and kid only.
type protectedHeader struct {
	Alg int64  `cbor:"1,keyasint"`
	KID []byte `cbor:"4,keyasint"`
}

// COSE algorithm identifiers.
const (
	coseEdDSA = -8
	coseES256 = -7
)

func coseAlg(alg string) (int64, bool) {
	switch alg {
	case healthcode.AlgEdDSA:
		return coseEdDSA, true
	case healthcode.AlgES256:
		return coseES256, true
	}
	return 0, false
}

func algName(id int64) (string, bool) {
	switch id {
	case coseEdDSA:
		return healthcode.AlgEdDSA, true
	case coseES256:
		return healthcode.AlgES256, true
	}
	return "", false
}

// encMode writes deterministic CBOR (RFC 8949 §4.2.1) so that the same
// claims always give the same bytes.
var encMode = func() cbor.EncMode {
	m, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// decMode refuses duplicate map keys, which would let two readers see two
// different codes, and keeps nesting shallow; unknown claims are ignored so
// that later versions may add some.
var decMode = func() cbor.DecMode {
	m, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  8,
		MaxArrayElements: 64,
		MaxMapPairs:      64,
		IndefLength:      cbor.IndefLengthForbidden,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}()

func healthToWire(c *HealthClaims) *cwtClaims {
	w := &cwtClaims{
		Iss: c.Issuer,
		Iat: seconds(c.IssuedAt),
		Exp: seconds(c.ExpiresAt),
		CTI: c.CTI,
		HC: &wireHealth{
			V: 1, S: c.Subject, C: int(c.Colour), A: c.Action,
			N: c.Name, I: c.IDMasked, D: c.Doses, H: c.Home,
		},
	}
	if c.Test != nil {
		w.HC.T = &wireTest{At: seconds(c.Test.At), R: int(c.Test.Result)}
	}
	return w
}

func healthFromWire(w *cwtClaims) (*HealthClaims, error) {
	if w.HC == nil {
		return nil, invalid(ErrClaims, "not a health code: no hc claim", nil)
	}
	if w.HC.V != 1 {
		return nil, invalid(ErrClaims, "unsupported health code version", nil)
	}
	h := w.HC
	c := &HealthClaims{
		Issuer: w.Iss, IssuedAt: fromSeconds(w.Iat), ExpiresAt: fromSeconds(w.Exp), CTI: w.CTI,
		Subject: h.S, Colour: healthcode.Colour(h.C), Action: h.A, Name: h.N, IDMasked: h.I,
		Doses: h.D, Home: h.H,
	}
	if h.T != nil {
		c.Test = &TestClaim{At: fromSeconds(h.T.At), Result: healthcode.TestResult(h.T.R)}
	}
	if err := c.Validate(); err != nil {
		return nil, invalid(ErrClaims, healthcode.ErrorMessage(err), err)
	}
	return c, nil
}

func placeToWire(c *PlaceClaims) *cwtClaims {
	return &cwtClaims{
		Iss: c.Issuer,
		Iat: seconds(c.IssuedAt),
		CTI: c.CTI,
		PC:  &wirePlace{V: 1, ID: c.ID, K: c.Kind, N: c.Name, R: c.Division},
	}
}

func placeFromWire(w *cwtClaims) (*PlaceClaims, error) {
	if w.PC == nil {
		return nil, invalid(ErrClaims, "not a place code: no pc claim", nil)
	}
	if w.PC.V != 1 {
		return nil, invalid(ErrClaims, "unsupported place code version", nil)
	}
	p := w.PC
	c := &PlaceClaims{
		Issuer: w.Iss, IssuedAt: fromSeconds(w.Iat), CTI: w.CTI,
		ID: p.ID, Kind: p.K, Name: p.N, Division: p.R,
	}
	if err := c.Validate(); err != nil {
		return nil, invalid(ErrClaims, healthcode.ErrorMessage(err), err)
	}
	return c, nil
}
