package hcode

import (
	"github.com/fxamacker/cbor/v2"
)

// The COSE_Sign1 structure (RFC 9052 §4.2), written by hand: it is four
// fixed fields, and building it directly keeps issuing and verifying within
// a few microseconds of the bare signature operation.

const (
	cborTagSign1   = 0xd2 // tag 18
	cborArray4     = 0x84
	cborEmptyMap   = 0xa0
	cborEmptyBytes = 0x40
)

// sign1 is a decoded COSE_Sign1 (untagged array form).
type sign1 struct {
	_           struct{} `cbor:",toarray"`
	Protected   []byte
	Unprotected cbor.RawMessage
	Payload     []byte
	Signature   []byte
}

// appendBytesHeader appends the CBOR head of a byte string of length n.
func appendBytesHeader(dst []byte, n int) []byte {
	return appendHead(dst, 0x40, uint64(n))
}

func appendHead(dst []byte, major byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(dst, major|byte(n))
	case n <= 0xff:
		return append(dst, major|24, byte(n))
	case n <= 0xffff:
		return append(dst, major|25, byte(n>>8), byte(n))
	case n <= 0xffffffff:
		return append(dst, major|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, major|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32),
		byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// sigStructurePrefix is the start of Sig_structure: an array of four and
// the text "Signature1".
var sigStructurePrefix = []byte{cborArray4, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'}

// appendToBeSigned appends the Sig_structure
// ["Signature1", protected, external_aad = h”, payload].
func appendToBeSigned(dst, protected, payload []byte) []byte {
	dst = append(dst, sigStructurePrefix...)
	dst = appendBytesHeader(dst, len(protected))
	dst = append(dst, protected...)
	dst = append(dst, cborEmptyBytes)
	dst = appendBytesHeader(dst, len(payload))
	return append(dst, payload...)
}

func toBeSignedLen(protected, payload []byte) int {
	return len(sigStructurePrefix) + 9 + len(protected) + 1 + 9 + len(payload)
}

// appendSign1 appends the tagged COSE_Sign1 with an empty unprotected header.
func appendSign1(dst, protected, payload, signature []byte) []byte {
	dst = append(dst, cborTagSign1, cborArray4)
	dst = appendBytesHeader(dst, len(protected))
	dst = append(dst, protected...)
	dst = append(dst, cborEmptyMap)
	dst = appendBytesHeader(dst, len(payload))
	dst = append(dst, payload...)
	dst = appendBytesHeader(dst, len(signature))
	return append(dst, signature...)
}

// decodeSign1 reads a COSE_Sign1, tagged (18) or not, and its protected
// header.
func decodeSign1(b []byte) (*sign1, *protectedHeader, error) {
	if len(b) > 0 && b[0] == cborTagSign1 {
		b = b[1:]
	}
	var m sign1
	if err := decMode.Unmarshal(b, &m); err != nil {
		return nil, nil, invalid(ErrCOSE, "not a COSE_Sign1 structure", err)
	}
	var h protectedHeader
	if err := decMode.Unmarshal(m.Protected, &h); err != nil {
		return nil, nil, invalid(ErrCOSE, "bad COSE protected header", err)
	}
	if len(h.KID) == 0 {
		return nil, nil, invalid(ErrCOSE, "COSE protected header has no kid", nil)
	}
	return &m, &h, nil
}
