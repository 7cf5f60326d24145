package qr

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

// realCode issues a genuine health code, the text the QR must carry.
func realCode(t *testing.T) string {
	t.Helper()
	_, priv, _ := hcode.GenerateKey(healthcode.AlgEdDSA)
	s, _ := hcode.NewSigner(healthcode.AlgEdDSA, priv)
	now := time.Now()
	text, err := s.SignHealth(&hcode.HealthClaims{
		Issuer: "CN-330100", IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute),
		CTI: make([]byte, 16), Subject: bytes.Repeat([]byte{0xab}, 16), Colour: healthcode.Green,
		Name: "张*三", IDMasked: "33**************12", Doses: 3,
		Test: &hcode.TestClaim{At: now.Add(-24 * time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestPNGRoundTrip(t *testing.T) {
	text := realCode(t)
	data, err := PNG(text, 4)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	bm, _ := matrix(text)
	if w := (len(bm) + 2*QuietZone) * 4; img.Bounds().Dx() != w || img.Bounds().Dy() != w {
		t.Errorf("PNG is %v, want %dx%d: 4 px per module and the quiet zone", img.Bounds(), w, w)
	}
	// The quiet zone: the top-left corner is white.
	if r, g, b, _ := img.At(1, 1).RGBA(); r < 0xf000 || g < 0xf000 || b < 0xf000 {
		t.Errorf("corner pixel is not white: %d %d %d", r, g, b)
	}
	got, err := DecodeImage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got != text {
		t.Errorf("decoded %q, want %q", got, text)
	}

	// A lossy re-encode, as a camera or messenger would produce, still reads.
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 60}); err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeImage(&jb); err != nil || got != text {
		t.Errorf("JPEG decoded %q, %v; want the code", got, err)
	}
}

func TestPNGRejects(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		size       int
	}{
		{"lower case is not alphanumeric mode", "cnhc1:abc", 4},
		{"module size zero", "CNHC1:ABC", 0},
		{"module size too large", "CNHC1:ABC", 256},
	} {
		if _, err := PNG(tt.text, tt.size); healthcode.ErrorCode(err) != healthcode.EINVALID {
			t.Errorf("%s: PNG = %v, want EINVALID", tt.name, err)
		}
	}
	if _, err := SVG("not upper case"); healthcode.ErrorCode(err) != healthcode.EINVALID {
		t.Errorf("SVG(lower case) = %v, want EINVALID", err)
	}
}

func TestSVG(t *testing.T) {
	text := realCode(t)
	data, err := SVG(text)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	var root string
	paths := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == "path" {
				paths++
			}
		}
	}
	if root != "svg" || paths != 1 {
		t.Errorf("root %q with %d paths, want svg with one path", root, paths)
	}

	// The SVG shows the same modules as the matrix, shifted by the quiet zone.
	bm, _ := matrix(text)
	img := rasterise(t, data, len(bm)+2*QuietZone)
	for y, row := range bm {
		for x, dark := range row {
			if img[y+QuietZone][x+QuietZone] != dark {
				t.Fatalf("module (%d,%d) dark=%v in SVG, %v in matrix", x, y, img[y+QuietZone][x+QuietZone], dark)
			}
		}
	}
}

// rasterise fills the unit squares of the SVG path (M x y hN v1 h-N z).
func rasterise(t *testing.T, svg []byte, size int) [][]bool {
	t.Helper()
	img := make([][]bool, size)
	for i := range img {
		img[i] = make([]bool, size)
	}
	s := string(svg)
	d := s[strings.Index(s, ` d="`)+4:]
	d = d[:strings.Index(d, `"`)]
	for _, sub := range strings.Split(strings.TrimSuffix(d, "z"), "z") {
		var x, y, n, m int
		if _, err := fmt.Sscanf(sub, "M%d %dh%dv1h-%d", &x, &y, &n, &m); err != nil || n != m {
			t.Fatalf("bad subpath %q: %v", sub, err)
		}
		for i := 0; i < n; i++ {
			img[y][x+i] = true
		}
	}
	return img
}

func TestDecodeImageRejects(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 50, 50))
	var b bytes.Buffer
	png.Encode(&b, blank)
	for name, r := range map[string]io.Reader{
		"no code in image": &b,
		"not an image":     strings.NewReader("hello"),
	} {
		if _, err := DecodeImage(r); healthcode.ErrorCode(err) != healthcode.EINVALID {
			t.Errorf("%s: DecodeImage = %v, want EINVALID", name, err)
		}
	}
}

// TestModulesMatchesPNG: the module image is the one-pixel-per-module PNG,
// quiet zone included, pixel for pixel.
func TestModulesMatchesPNG(t *testing.T) {
	text := "CNPC1:6BFOXN*TS0BI$ZDFRH"
	img, err := Modules(text)
	if err != nil {
		t.Fatal(err)
	}
	data, err := PNG(text, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != want.Bounds() {
		t.Fatalf("bounds %v, want %v", img.Bounds(), want.Bounds())
	}
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, _, _, _ := want.At(x, y).RGBA()
			if dark := img.GrayAt(x, y).Y < 0x80; dark != (r < 0x8000) {
				t.Fatalf("pixel %d,%d differs", x, y)
			}
		}
	}
}
