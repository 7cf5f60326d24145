// Package base45 implements the Base45 encoding of RFC 9285, the encoding
// that keeps a health code inside the QR alphanumeric mode.
package base45

import (
	"fmt"
)

// alphabet is the RFC 9285 table: exactly the QR alphanumeric character set.
const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// invalid marks bytes outside the alphabet in decodeMap.
const invalid = 0xff

var decodeMap = func() (m [256]byte) {
	for i := range m {
		m[i] = invalid
	}
	for i := 0; i < len(alphabet); i++ {
		m[alphabet[i]] = byte(i)
	}
	return m
}()

// CorruptInputError reports the offset of the first character group that
// cannot be decoded.
type CorruptInputError struct {
	Offset int
	Reason string
}

func (e *CorruptInputError) Error() string {
	return fmt.Sprintf("base45: illegal data at input byte %d: %s", e.Offset, e.Reason)
}

// EncodedLen returns the length of the encoding of n bytes.
func EncodedLen(n int) int { return n/2*3 + n%2*2 }

// DecodedLen returns the length of the bytes encoded by n characters, or -1
// when no valid encoding has that length.
func DecodedLen(n int) int {
	if n%3 == 1 {
		return -1
	}
	return n/3*2 + n%3/2
}

// Encode returns the Base45 encoding of src.
func Encode(src []byte) string {
	return string(AppendEncode(make([]byte, 0, EncodedLen(len(src))), src))
}

// AppendEncode appends the Base45 encoding of src to dst.
func AppendEncode(dst, src []byte) []byte {
	i := 0
	for ; i+1 < len(src); i += 2 {
		n := uint(src[i])<<8 | uint(src[i+1])
		dst = append(dst, alphabet[n%45], alphabet[n/45%45], alphabet[n/2025])
	}
	if i < len(src) {
		n := uint(src[i])
		dst = append(dst, alphabet[n%45], alphabet[n/45])
	}
	return dst
}

// Decode returns the bytes encoded by s.
func Decode(s string) ([]byte, error) {
	if DecodedLen(len(s)) < 0 {
		return nil, &CorruptInputError{Offset: len(s) - 1, Reason: "dangling single character"}
	}
	return AppendDecode(make([]byte, 0, DecodedLen(len(s))), s)
}

// AppendDecode appends the bytes encoded by s to dst. On error dst is
// returned unchanged.
func AppendDecode(dst []byte, s string) ([]byte, error) {
	start := len(dst)
	i := 0
	for ; i+2 < len(s); i += 3 {
		c, d, e := decodeMap[s[i]], decodeMap[s[i+1]], decodeMap[s[i+2]]
		if c == invalid || d == invalid || e == invalid {
			return dst[:start], badChar(s, i, 3)
		}
		n := uint(c) + uint(d)*45 + uint(e)*2025
		if n > 0xffff {
			return dst[:start], &CorruptInputError{Offset: i, Reason: "group value exceeds 65535"}
		}
		dst = append(dst, byte(n>>8), byte(n))
	}
	switch len(s) - i {
	case 0:
	case 2:
		c, d := decodeMap[s[i]], decodeMap[s[i+1]]
		if c == invalid || d == invalid {
			return dst[:start], badChar(s, i, 2)
		}
		n := uint(c) + uint(d)*45
		if n > 0xff {
			return dst[:start], &CorruptInputError{Offset: i, Reason: "final pair value exceeds 255"}
		}
		dst = append(dst, byte(n))
	default:
		return dst[:start], &CorruptInputError{Offset: i, Reason: "dangling single character"}
	}
	return dst, nil
}

// badChar locates the first character outside the alphabet in s[i:i+n].
func badChar(s string, i, n int) error {
	for j := i; j < i+n; j++ {
		if decodeMap[s[j]] == invalid {
			return &CorruptInputError{Offset: j, Reason: fmt.Sprintf("character %q not in the Base45 alphabet", s[j])}
		}
	}
	return &CorruptInputError{Offset: i, Reason: "bad character"}
}
