package qr

import (
	"bytes"
	"image"
	_ "image/jpeg" // photos from scanners and phones
	_ "image/png"
	"io"

	"github.com/healthcode/healthcode"
	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Limits on an image to decode, so that a crafted file cannot exhaust
// memory.
const (
	MaxImageBytes  = 16 << 20
	MaxImagePixels = 40 << 20
)

// DecodeImage reads a PNG or JPEG image and returns the text of the QR code
// it shows.
func DecodeImage(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImageBytes+1))
	if err != nil {
		return "", &healthcode.Error{Code: healthcode.EINVALID, Message: "cannot read image", Err: err}
	}
	if len(data) > MaxImageBytes {
		return "", healthcode.Errorf(healthcode.ETOOLARGE, "image is larger than %d MiB", MaxImageBytes>>20)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", &healthcode.Error{Code: healthcode.EINVALID, Message: "not a PNG or JPEG image", Err: err}
	}
	if cfg.Width*cfg.Height > MaxImagePixels {
		return "", healthcode.Errorf(healthcode.ETOOLARGE, "image of %dx%d pixels is too large", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", &healthcode.Error{Code: healthcode.EINVALID, Message: "not a PNG or JPEG image", Err: err}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", &healthcode.Error{Code: healthcode.EINVALID, Message: "cannot read image", Err: err}
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", &healthcode.Error{Code: healthcode.EINVALID, Message: "no readable QR code in the image", Err: err}
	}
	return res.GetText(), nil
}
