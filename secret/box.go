// Package secret protects personal data at rest: it seals values with
// AES-256-GCM and computes keyed hashes, all from one 32-byte master key.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"strings"
	"sync"

	"github.com/healthcode/healthcode"
)

// KeySize is the length of the master key in bytes.
const KeySize = 32

// sealVersion prefixes every sealed value so the format can change later
// without guessing what old rows hold.
const sealVersion = 1

const nonceSize = 12

// ErrOpen is the cause when sealed data cannot be opened: it was altered,
// truncated, or sealed under another key.
var ErrOpen = errors.New("secret: sealed data is corrupt or was sealed with another key")

// Box seals and hashes with subkeys derived from one master key, so that a
// leak of one use (say a hash) reveals nothing about another (the sealing).
type Box struct {
	aead    cipher.AEAD
	hashKey []byte
	// hashers keeps, per purpose, HMAC states keyed for it: a person key
	// is hashed for every record imported, and keying an HMAC anew (two
	// of them, the purpose's key first) cost more than the hash itself.
	hashers sync.Map // purpose → *sync.Pool of hash.Hash
}

// New returns a Box for a 32-byte master key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, healthcode.Errorf(healthcode.EINVALID, "secret: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(derive(key, "seal"))
	if err != nil {
		return nil, healthcode.Internal(err, "secret: cipher")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, healthcode.Internal(err, "secret: gcm")
	}
	return &Box{aead: aead, hashKey: derive(key, "hash")}, nil
}

// derive returns the subkey for label: HMAC-SHA256 keyed by the master key.
func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("healthcode/v1/" + label))
	return m.Sum(nil)
}

// Seal encrypts plaintext: version byte, random 12-byte nonce, ciphertext
// with tag.
func (b *Box) Seal(plaintext []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+b.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, healthcode.Internal(err, "secret: nonce")
	}
	return b.aead.Seal(out, out[1:1+nonceSize], plaintext, nil), nil
}

// Open decrypts what Seal returned; it fails when a single bit was changed
// or the value was sealed under another key.
func (b *Box) Open(sealed []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+b.aead.Overhead() || sealed[0] != sealVersion {
		return nil, healthcode.Internal(ErrOpen, "secret: open")
	}
	plain, err := b.aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], nil)
	if err != nil {
		return nil, healthcode.Internal(ErrOpen, "secret: open")
	}
	return plain, nil
}

// Hash returns HMAC-SHA256 of data under a key derived for purpose, so equal
// data hashed for different purposes gives unrelated values.
func (b *Box) Hash(purpose string, data []byte) []byte {
	pool := b.hashPool(purpose)
	m := pool.Get().(hash.Hash)
	m.Write(data)
	sum := m.Sum(nil)
	m.Reset() // back to the keyed state
	pool.Put(m)
	return sum
}

// hashPool returns the pool of HMACs keyed for purpose.
func (b *Box) hashPool(purpose string) *sync.Pool {
	if p, ok := b.hashers.Load(purpose); ok {
		return p.(*sync.Pool)
	}
	pk := hmac.New(sha256.New, b.hashKey)
	pk.Write([]byte(purpose))
	key := pk.Sum(nil)
	p, _ := b.hashers.LoadOrStore(purpose, &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }})
	return p.(*sync.Pool)
}

// PersonKey is the keyed hash of a normalised document number: the name
// under which records and profiles find a person without storing the number.
func (b *Box) PersonKey(idNumber string) []byte {
	return b.Hash("person", []byte(NormaliseIDNumber(idNumber)))
}

// NormaliseIDNumber trims and upper-cases a document number, so that
// "11010519491231002x " and "11010519491231002X" name the same person.
func NormaliseIDNumber(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// Fingerprint identifies the master key without revealing it; a database
// stores it to refuse being opened with another key.
func (b *Box) Fingerprint() string {
	return hex.EncodeToString(b.Hash("fingerprint", []byte("healthcode key fingerprint"))[:16])
}
