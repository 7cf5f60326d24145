package healthcode

import "time"

// Signing algorithms (COSE names as in the trust list).
const (
	AlgEdDSA = "EdDSA" // Ed25519, COSE -8, the default
	AlgES256 = "ES256" // ECDSA P-256 with SHA-256, COSE -7
)

// SigningKey is one of the node's code-signing keys.
type SigningKey struct {
	ID        int64
	KID       []byte // first 8 bytes of SHA-256 over PublicKey
	Alg       string
	PublicKey []byte // raw 32 bytes for Ed25519, DER SubjectPublicKeyInfo for ECDSA
	// PrivateKey is PKCS #8 DER in memory; the store keeps it sealed.
	PrivateKey []byte
	NotBefore  time.Time
	NotAfter   time.Time // zero: open; set on rotation
	Revoked    bool
	CreatedAt  time.Time
}

// ActiveAt reports whether k may sign a code at t.
func (k *SigningKey) ActiveAt(t time.Time) bool {
	return !k.Revoked && !t.Before(k.NotBefore) && (k.NotAfter.IsZero() || t.Before(k.NotAfter))
}
