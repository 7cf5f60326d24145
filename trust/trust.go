// Package trust reads, checks and signs the trust list of DESIGN §5: the
// regions of the federation and the public keys their codes are signed
// with.
package trust

import (
	"time"
)

// Region modes.
const (
	ModeLocal    = "local"    // runs its own node and issues its own codes
	ModeNational = "national" // has no node: the hub issues its codes
)

// List is the trust list.
type List struct {
	// Version is the list's format version, 1 (a later list may count up).
	Version  int       `json:"version"`
	IssuedAt time.Time `json:"issued_at"`
	Issuer   string    `json:"issuer"`
	Regions  []Region  `json:"regions"`
}

// Region is one region of the federation.
type Region struct {
	ID       string `json:"id"` // "CN-330100", or "CN" for the hub
	Name     string `json:"name"`
	Mode     string `json:"mode"` // ModeLocal or ModeNational
	Endpoint string `json:"endpoint,omitempty"`
	Keys     []Key  `json:"keys"`
}

// Key is a code-signing public key of a region. KID and PublicKey travel as
// standard base64.
type Key struct {
	KID       []byte    `json:"kid"`
	Alg       string    `json:"alg"`                 // healthcode.AlgEdDSA or AlgES256
	PublicKey []byte    `json:"public_key"`          // raw 32 bytes (Ed25519) or DER SPKI (ECDSA)
	NotBefore time.Time `json:"not_before,omitzero"` // zero: no lower bound
	NotAfter  time.Time `json:"not_after,omitzero"`  // zero: no upper bound
	Revoked   bool      `json:"revoked"`
}

// ValidAt reports whether t lies in [NotBefore, NotAfter], the bounds that
// are set. Revocation is separate: a revoked key is never trusted.
func (k *Key) ValidAt(t time.Time) bool {
	return (k.NotBefore.IsZero() || !t.Before(k.NotBefore)) &&
		(k.NotAfter.IsZero() || !t.After(k.NotAfter))
}

// Region returns the region with the given id, or nil.
func (l *List) Region(id string) *Region {
	for i := range l.Regions {
		if l.Regions[i].ID == id {
			return &l.Regions[i]
		}
	}
	return nil
}

// Keys returns the keys of region whose kid is kid. Several keys may share
// a kid (it is a truncated hash): a verifier tries each.
func (l *List) Keys(region string, kid []byte) []Key {
	r := l.Region(region)
	if r == nil {
		return nil
	}
	var keys []Key
	for _, k := range r.Keys {
		if string(k.KID) == string(kid) {
			keys = append(keys, k)
		}
	}
	return keys
}
