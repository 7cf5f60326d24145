package secret

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/healthcode/healthcode"
)

// KeyFile is the name of the key file in the data directory.
const KeyFile = "secret.key"

// FromBase64 returns the Box for a base64 key, as given in HEALTHCODE_KEY.
func FromBase64(s string) (*Box, error) {
	key, ok := decodeKey(s)
	if !ok {
		return nil, healthcode.Errorf(healthcode.EINVALID, "HEALTHCODE_KEY: must be base64 of %d bytes", KeySize)
	}
	return New(key)
}

// decodeKey accepts standard or URL base64, padded or not.
func decodeKey(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil && len(key) == KeySize {
			return key, true
		}
	}
	return nil, false
}

// LoadOrCreate returns the Box for DIR/secret.key, creating the directory
// (0700) and a new random key (0600) when there is none. Losing the file
// makes every sealed value unreadable: it must be backed up with the data.
func LoadOrCreate(dataDir string) (*Box, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, healthcode.Internal(err, "secret: create data directory")
	}
	path := filepath.Join(dataDir, KeyFile)
	if err := create(path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, healthcode.Internal(err, "secret: create key file")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, healthcode.Internal(err, "secret: read key file")
	}
	key, ok := decodeKey(string(data))
	if !ok {
		return nil, healthcode.Errorf(healthcode.EINVALID, "%s: must be base64 of %d bytes", path, KeySize)
	}
	return New(key)
}

// create writes a new random key; O_EXCL makes two processes starting at
// once agree on one key rather than overwrite each other's.
func create(path string) error {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(tmp)
	// Link fails when path exists, so a half-written key is never seen.
	return os.Link(tmp, path)
}
