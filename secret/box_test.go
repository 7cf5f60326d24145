package secret_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/secret"
)

func mustBox(t *testing.T, fill byte) *secret.Box {
	t.Helper()
	b, err := secret.New(bytes.Repeat([]byte{fill}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpenRoundTrip(t *testing.T) {
	b := mustBox(t, 1)
	for _, plain := range [][]byte{nil, []byte("110105194912310021"), bytes.Repeat([]byte("张三"), 1000)} {
		sealed, err := b.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) > 0 && bytes.Contains(sealed, plain) {
			t.Fatal("sealed value contains the plaintext")
		}
		got, err := b.Open(sealed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("Open = %q, want %q", got, plain)
		}
	}
}

func TestSealIsRandomised(t *testing.T) {
	b := mustBox(t, 1)
	s1, _ := b.Seal([]byte("same"))
	s2, _ := b.Seal([]byte("same"))
	if bytes.Equal(s1, s2) {
		t.Fatal("two seals of the same value are equal: nonce not random")
	}
}

func TestOpenDetectsTampering(t *testing.T) {
	b := mustBox(t, 1)
	sealed, _ := b.Seal([]byte("110105194912310021"))
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := b.Open(bad); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	if _, err := b.Open(sealed[:len(sealed)-1]); err == nil {
		t.Fatal("truncated value opened")
	}
	if _, err := b.Open(nil); err == nil {
		t.Fatal("empty value opened")
	}
}

func TestOpenWithWrongKeyFails(t *testing.T) {
	sealed, _ := mustBox(t, 1).Seal([]byte("secret"))
	_, err := mustBox(t, 2).Open(sealed)
	if healthcode.ErrorCode(err) != healthcode.EINTERNAL {
		t.Fatalf("Open with another key: err = %v, want EINTERNAL", err)
	}
}

func TestHash(t *testing.T) {
	b := mustBox(t, 1)
	h1 := b.Hash("otp", []byte("123456"))
	if !bytes.Equal(h1, b.Hash("otp", []byte("123456"))) {
		t.Fatal("Hash is not deterministic")
	}
	if len(h1) != 32 {
		t.Fatalf("len = %d, want 32", len(h1))
	}
	if bytes.Equal(h1, b.Hash("session", []byte("123456"))) {
		t.Fatal("Hash is not separated by purpose")
	}
	if bytes.Equal(h1, b.Hash("otp", []byte("123457"))) {
		t.Fatal("different data gave the same hash")
	}
	if bytes.Equal(h1, mustBox(t, 2).Hash("otp", []byte("123456"))) {
		t.Fatal("Hash does not depend on the key")
	}
	// A purpose/data split must not be ambiguous.
	if bytes.Equal(b.Hash("ab", []byte("c")), b.Hash("a", []byte("bc"))) {
		t.Fatal("purpose and data run together")
	}
}

func TestPersonKeyNormalises(t *testing.T) {
	b := mustBox(t, 1)
	k := b.PersonKey("11010519491231002X")
	if !bytes.Equal(k, b.PersonKey("  11010519491231002x\n")) {
		t.Fatal("PersonKey does not trim and upper-case")
	}
	if bytes.Equal(k, b.PersonKey("110105194912310021")) {
		t.Fatal("different numbers share a key")
	}
	if bytes.Equal(k, b.Hash("other", []byte("11010519491231002X"))) {
		t.Fatal("PersonKey equals a hash of another purpose")
	}
}

func TestFingerprint(t *testing.T) {
	f1 := mustBox(t, 1).Fingerprint()
	if f1 != mustBox(t, 1).Fingerprint() {
		t.Fatal("Fingerprint is not stable")
	}
	if f1 == mustBox(t, 2).Fingerprint() {
		t.Fatal("two keys share a fingerprint")
	}
	if strings.Contains(f1, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))) {
		t.Fatal("fingerprint reveals the key")
	}
}

func TestNewRejectsWrongLength(t *testing.T) {
	if _, err := secret.New(make([]byte, 16)); err == nil {
		t.Fatal("16-byte key accepted")
	}
}

func TestFromBase64(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	b, err := secret.FromBase64(" " + base64.StdEncoding.EncodeToString(key) + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if b.Fingerprint() != mustBox(t, 7).Fingerprint() {
		t.Fatal("FromBase64 gave another key")
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(key[:31])} {
		_, err := secret.FromBase64(bad)
		if healthcode.ErrorCode(err) != healthcode.EINVALID || !strings.Contains(err.Error(), "HEALTHCODE_KEY: must be base64 of 32 bytes") {
			t.Fatalf("FromBase64(%q): err = %v", bad, err)
		}
	}
}

func TestLoadOrCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	b1, err := secret.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, secret.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	di, _ := os.Stat(dir)
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode = %v, want 0700", di.Mode().Perm())
	}
	b2, err := secret.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b1.Fingerprint() != b2.Fingerprint() {
		t.Fatal("second load gave another key")
	}
	sealed, _ := b1.Seal([]byte("x"))
	if _, err := b2.Open(sealed); err != nil {
		t.Fatal("reloaded key cannot open what the first sealed")
	}

	if err := os.WriteFile(filepath.Join(dir, secret.KeyFile), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := secret.LoadOrCreate(dir); healthcode.ErrorCode(err) != healthcode.EINVALID {
		t.Fatalf("corrupt key file: err = %v, want EINVALID", err)
	}
}

// TestHashIsStable pins Hash to its construction, HMAC-SHA256 of data under
// HMAC-SHA256(hash subkey, purpose): stored person keys and token hashes
// are found by it, so it must never change, whatever state it reuses, and
// it must hold when many goroutines hash at once.
func TestHashIsStable(t *testing.T) {
	master := bytes.Repeat([]byte{7}, secret.KeySize)
	b, err := secret.New(master)
	if err != nil {
		t.Fatal(err)
	}
	sub := hmac.New(sha256.New, master)
	sub.Write([]byte("healthcode/v1/hash"))
	subKey := sub.Sum(nil)
	want := func(purpose, data string) []byte {
		pk := hmac.New(sha256.New, subKey)
		pk.Write([]byte(purpose))
		m := hmac.New(sha256.New, pk.Sum(nil))
		m.Write([]byte(data))
		return m.Sum(nil)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				purpose := []string{"person", "otp", "session"}[(g+i)%3]
				data := fmt.Sprintf("110105194912310%03d", i)
				if got := b.Hash(purpose, []byte(data)); !bytes.Equal(got, want(purpose, data)) {
					t.Errorf("Hash(%q, %q) = %x, want %x", purpose, data, got, want(purpose, data))
					return
				}
			}
		})
	}
	wg.Wait()
}
