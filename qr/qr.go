// Package qr renders codes as QR images (alphanumeric mode, error
// correction level Q, as DESIGN §3 fixes) and reads them back from photos.
package qr

import (
	"bytes"
	"fmt"
	"image"

	"github.com/healthcode/healthcode"
	"github.com/yeqown/go-qrcode/v2"
	"github.com/yeqown/go-qrcode/writer/standard"
)

// QuietZone is the white margin around the symbol, in modules (ISO/IEC
// 18004 asks for 4).
const QuietZone = 4

// encode builds the QR symbol of text.
func encode(text string) (*qrcode.QRCode, error) {
	q, err := qrcode.NewWith(text,
		qrcode.WithEncodingMode(qrcode.EncModeAlphanumeric),
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionQuart))
	if err != nil {
		return nil, &healthcode.Error{Code: healthcode.EINVALID, Message: "text cannot be a QR code in alphanumeric mode", Err: err}
	}
	return q, nil
}

// matrix encodes text and returns its modules, row by row, true for dark.
func matrix(text string) ([][]bool, error) {
	q, err := encode(text)
	if err != nil {
		return nil, err
	}
	var w bitmapWriter
	if err := q.Save(&w); err != nil {
		return nil, healthcode.Internal(err, "render QR matrix")
	}
	return w.bitmap, nil
}

// bitmapWriter is a qrcode.Writer that keeps the module matrix.
type bitmapWriter struct{ bitmap [][]bool }

func (w *bitmapWriter) Write(m qrcode.Matrix) error { w.bitmap = m.Bitmap(); return nil }
func (w *bitmapWriter) Close() error                { return nil }

// PNG renders text as a PNG with moduleSize pixels per module (1 to 255)
// and a quiet zone of QuietZone modules.
func PNG(text string, moduleSize int) ([]byte, error) {
	if moduleSize < 1 || moduleSize > 255 {
		return nil, healthcode.Errorf(healthcode.EINVALID, "module size must be 1 to 255 pixels, not %d", moduleSize)
	}
	q, err := encode(text)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := standard.NewWithWriter(nopCloser{&buf},
		standard.WithQRWidth(uint8(moduleSize)),
		standard.WithBorderWidth(QuietZone*moduleSize),
		standard.WithBuiltinImageEncoder(standard.PNG_FORMAT))
	if err := q.Save(w); err != nil {
		return nil, healthcode.Internal(err, "render QR PNG")
	}
	return buf.Bytes(), nil
}

type nopCloser struct{ *bytes.Buffer }

func (nopCloser) Close() error { return nil }

// SVG renders text as an SVG document, one unit per module, with a quiet
// zone; it scales to any size without blurring.
func SVG(text string) ([]byte, error) {
	bm, err := matrix(text)
	if err != nil {
		return nil, err
	}
	n := len(bm)
	size := n + 2*QuietZone
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+
		`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size, size, size)
	// One subpath per horizontal run of dark modules.
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+QuietZone, y+QuietZone, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>` + "\n")
	return b.Bytes(), nil
}

// Modules renders text at one pixel per module, quiet zone included, as a
// greyscale image (0 dark, 0xff light): for callers that lay the code out
// themselves, such as posters.
func Modules(text string) (*image.Gray, error) {
	bm, err := matrix(text)
	if err != nil {
		return nil, err
	}
	n := len(bm) + 2*QuietZone
	img := image.NewGray(image.Rect(0, 0, n, n))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, row := range bm {
		for x, dark := range row {
			if dark {
				img.Pix[(y+QuietZone)*img.Stride+x+QuietZone] = 0
			}
		}
	}
	return img, nil
}
