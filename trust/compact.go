package trust

import (
	"bytes"
	"encoding/base64"
	"errors"
	"runtime"
	"sync"

	"github.com/go-jose/go-jose/v4"
)

// parseCompact cuts data into its three parts and returns the decoded
// payload; verifyCompact checks the signature. go-jose reads the header
// and the signature, as it would the whole, with an empty payload in
// place of the list's: the header must name EdDSA and no critical
// extension (RFC 7515 §4.1.11: this reader knows none). The payload, most
// of the text, is decoded here on every core, without copying the half
// megabyte into a string first.
func parseCompact(data []byte) ([]byte, error) {
	first := bytes.IndexByte(data, '.')
	last := bytes.LastIndexByte(data, '.')
	if first < 0 || first == last || bytes.IndexByte(data[first+1:last], '.') >= 0 {
		return nil, errors.New("not a JWS compact serialization: it must have three parts")
	}
	jws, err := jose.ParseSignedCompact(string(data[:first])+".."+string(data[last+1:]), []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return nil, err
	}
	if len(jws.Signatures) != 1 || jws.Signatures[0].Protected.ExtraHeaders["crit"] != nil {
		return nil, errors.New("the JWS header names a critical extension")
	}
	payload, err := decodeOnEveryCore(data[first+1 : last])
	if err != nil {
		return nil, errors.New("the JWS payload is not base64url")
	}
	return payload, nil
}

// decodeOnEveryCore decodes unpadded base64url text in pieces of a
// multiple of 4 characters (3 bytes each), one per core.
func decodeOnEveryCore(text []byte) ([]byte, error) {
	out := make([]byte, base64.RawURLEncoding.DecodedLen(len(text)))
	workers := min(runtime.GOMAXPROCS(0), len(text)/(64<<10))
	if workers <= 1 {
		return decodeExact(text)
	}
	piece := (len(text)/workers + 3) &^ 3
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		from := w * piece
		to := min(from+piece, len(text))
		if from >= to {
			break
		}
		wg.Go(func() {
			// Each piece is held to its own part of out: Decode writes
			// 8 bytes at a time where it has room.
			lo, n := from/4*3, base64.RawURLEncoding.DecodedLen(to-from)
			got, err := base64.RawURLEncoding.Decode(out[lo:lo+n:lo+n], text[from:to])
			// Decode skips line breaks: a piece that had any decodes
			// short, and the pieces after it would be out of place.
			if err == nil && got != n {
				err = errors.New("line breaks in base64url")
			}
			errs[w] = err
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// decodeExact decodes unpadded base64url text, refusing the line breaks
// Decode would skip: JWS parts have none, and go-jose refuses them.
func decodeExact(text []byte) ([]byte, error) {
	out := make([]byte, base64.RawURLEncoding.DecodedLen(len(text)))
	n, err := base64.RawURLEncoding.Decode(out, text)
	if err == nil && n != len(out) {
		err = errors.New("line breaks in base64url")
	}
	return out, err
}
