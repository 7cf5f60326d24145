package node

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Token prefixes tell a session from a staff token at a glance (and let
// secret scanners recognise leaked ones).
const (
	sessionPrefix = "hcs_"
	staffPrefix   = "hct_"
)

func newToken(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is what the store keeps. Tokens carry 256 random bits, so a
// plain SHA-256 is enough: there is nothing to brute-force.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func isSessionToken(t string) bool { return strings.HasPrefix(t, sessionPrefix) }
func isStaffToken(t string) bool   { return strings.HasPrefix(t, staffPrefix) }
