package poster

import (
	"image"
	"image/draw"
	"image/png"
	"io"
	"math"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/qr"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The PNG page in pixels: A4 at 150 dpi.
const (
	pngW = 1240
	pngH = 1754
)

// px converts millimetres to pixels.
func px(mm float64) float64 { return mm * dpi / 25.4 }

// pngDrawer draws on a greyscale A4 page.
type pngDrawer struct {
	img   *image.Gray
	faces map[faceKey]font.Face
}

type faceKey struct {
	f  face
	pt float64
}

func writePNG(w io.Writer, p *Poster) error {
	d := &pngDrawer{img: image.NewGray(image.Rect(0, 0, pngW, pngH)), faces: map[faceKey]font.Face{}}
	for i := range d.img.Pix {
		d.img.Pix[i] = 0xff
	}
	if err := compose(d, p); err != nil {
		return err
	}
	for _, f := range d.faces {
		f.Close()
	}
	if err := png.Encode(w, d.img); err != nil {
		return healthcode.Internal(err, "write poster PNG")
	}
	return nil
}

// face returns f at size pt and the poster's resolution (compose has
// parsed the fonts before it draws).
func (d *pngDrawer) face(f face, pt float64) font.Face {
	k := faceKey{f, pt}
	if fc, ok := d.faces[k]; ok {
		return fc
	}
	fc, err := opentype.NewFace(fonts[f], &opentype.FaceOptions{Size: pt, DPI: dpi, Hinting: font.HintingNone})
	if err != nil {
		// Only a size out of range fails, and the layout's are fixed.
		panic("poster: " + err.Error())
	}
	d.faces[k] = fc
	return fc
}

func (d *pngDrawer) width(f face, pt float64, s string) float64 {
	adv := font.MeasureString(d.face(f, pt), s)
	return float64(adv) / 64 * 25.4 / dpi
}

func (d *pngDrawer) text(f face, pt float64, x, y float64, s string) {
	dr := font.Drawer{
		Dst:  d.img,
		Src:  image.Black,
		Face: d.face(f, pt),
		Dot:  fixed.Point26_6{X: fixed.Int26_6(math.Round(px(x) * 64)), Y: fixed.Int26_6(math.Round(px(y) * 64))},
	}
	dr.DrawString(s)
}

func (d *pngDrawer) line(x1, y1, x2, y2, thickness float64) {
	h := max(1, math.Round(px(thickness)))
	// Only horizontal and vertical lines are drawn.
	r := image.Rect(int(math.Round(px(x1)-h/2)), int(math.Round(px(y1)-h/2)), int(math.Round(px(x2)+h/2)), int(math.Round(px(y2)+h/2)))
	draw.Draw(d.img, r, image.Black, image.Point{}, draw.Src)
}

// qr draws the code with a whole number of pixels per module, so that its
// edges are sharp, as large as fits.
func (d *pngDrawer) qr(code string, x, y, size float64) error {
	modules, err := qr.Modules(code)
	if err != nil {
		return err
	}
	n := modules.Bounds().Dx()
	side := int(px(size))
	m := side / n
	if m < 1 {
		return healthcode.Errorf(healthcode.EINVALID, "place code is too long for the poster")
	}
	x0 := int(math.Round(px(x))) + (side-m*n)/2
	y0 := int(math.Round(px(y))) + (side-m*n)/2
	b := modules.Bounds()
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			if modules.GrayAt(b.Min.X+i, b.Min.Y+j).Y >= 0x80 {
				continue // light, and the page is white
			}
			r := image.Rect(x0+i*m, y0+j*m, x0+(i+1)*m, y0+(j+1)*m)
			draw.Draw(d.img, r, image.Black, image.Point{}, draw.Src)
		}
	}
	return nil
}
