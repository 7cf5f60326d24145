package qr

import (
	"bytes"
	"image"
	"image/color"
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
	text, err := decodeQR(img)
	if err != nil {
		return "", &healthcode.Error{Code: healthcode.EINVALID, Message: "no readable QR code in the image", Err: err}
	}
	return text, nil
}

// decodeQR reads img, and when that fails the image at half and a third
// of its size:
// gozxing's detector estimates the code's version from the module size it
// measures, and on a large page (a printed poster) that estimate is off by
// one for some codes that read at once at another scale.
func decodeQR(img image.Image) (string, error) {
	text, err := decodeAt(img)
	if err == nil {
		return text, nil
	}
	for _, k := range []int{2, 3} {
		if b := img.Bounds(); b.Dx() >= 200*k && b.Dy() >= 200*k {
			if text, err2 := decodeAt(shrink(img, k)); err2 == nil {
				return text, nil
			}
		}
	}
	return "", err
}

// shrink averages each k×k block of img into one grey pixel.
func shrink(img image.Image, k int) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx()/k, b.Dy()/k))
	for y := 0; y < out.Rect.Dy(); y++ {
		for x := 0; x < out.Rect.Dx(); x++ {
			var sum int
			for dy := 0; dy < k; dy++ {
				for dx := 0; dx < k; dx++ {
					sum += int(color.GrayModel.Convert(img.At(b.Min.X+k*x+dx, b.Min.Y+k*y+dy)).(color.Gray).Y)
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / (k * k))
		}
	}
	return out
}

// decodeAt tries the general detector first (photos, screenshots with
// borders), then the pure-barcode reader: gozxing's finder-pattern detector
// misjudges the version of about one clean rendering in fifty that other
// readers (zbar) read fine, and the pure reader handles exactly those.
func decodeAt(img image.Image) (string, error) {
	src := gozxing.NewLuminanceSourceFromImage(img)
	var firstErr error
	for _, try := range []struct {
		binarizer func(gozxing.LuminanceSource) gozxing.Binarizer
		hints     map[gozxing.DecodeHintType]any
	}{
		{gozxing.NewHybridBinarizer, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}},
		{gozxing.NewHybridBinarizer, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}},
		{gozxing.NewGlobalHistgramBinarizer, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}},
	} {
		bmp, err := gozxing.NewBinaryBitmap(try.binarizer(src))
		if err == nil {
			var res *gozxing.Result
			if res, err = zxqr.NewQRCodeReader().Decode(bmp, try.hints); err == nil {
				return res.GetText(), nil
			}
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return "", firstErr
}
