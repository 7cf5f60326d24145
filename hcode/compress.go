package hcode

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"sync"
)

// compressLevel: a code is mostly random bytes (signature, cti, subject).
// Measured on an Ed25519 code of 219 bytes: BestSpeed spends ~10 µs building
// Huffman tables and then emits stored blocks anyway (235 bytes, the same as
// NoCompression); DefaultCompression saves 13 bytes at a far higher cost.
// Stored blocks are plain zlib that every reader inflates.
const compressLevel = zlib.NoCompression

// zlib writers and readers allocate tens of kilobytes when created: reuse
// them.
var (
	zwriters = sync.Pool{New: func() any {
		w, _ := zlib.NewWriterLevel(nil, compressLevel)
		return w
	}}
	zreaders sync.Pool // of io.ReadCloser implementing zlib.Resetter
)

// appendCompress appends the zlib stream of src to dst.
func appendCompress(dst *bytes.Buffer, src []byte) {
	w := zwriters.Get().(*zlib.Writer)
	w.Reset(dst)
	w.Write(src) // writes to a bytes.Buffer cannot fail
	w.Close()
	zwriters.Put(w)
}

// zlibHeader is the first byte of a zlib stream with a 32 KiB window, the
// only one in use; other bytes mean the COSE_Sign1 came uncompressed.
const zlibHeader = 0x78

// inflate appends the zlib-decompressed src to dst, refusing to produce
// more than MaxInflated bytes.
func inflate(dst *bytes.Buffer, src []byte) error {
	r := bytes.NewReader(src)
	var zr io.ReadCloser
	if v := zreaders.Get(); v != nil {
		zr = v.(io.ReadCloser)
		if err := zr.(zlib.Resetter).Reset(r, nil); err != nil {
			zreaders.Put(zr)
			return err
		}
	} else {
		var err error
		if zr, err = zlib.NewReader(r); err != nil {
			return err
		}
	}
	defer zreaders.Put(zr)
	n, err := dst.ReadFrom(io.LimitReader(zr, MaxInflated+1))
	if err != nil {
		return err
	}
	if n > MaxInflated {
		return errTooLarge
	}
	return nil
}

var errTooLarge = errors.New("inflates past 64 KiB")
