package poster

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/qr"
)

// pdfQRPixels is the least width, in pixels, of the QR image put in the PDF:
// enough pixels per module that a viewer which smooths scaled images still
// shows sharp edges (about 230 dpi at the printed size).
const pdfQRPixels = 1200

// The PDF font families.
var pdfFamilies = [numFaces]string{latin: "GoRegular", cjk: "DroidSansFallback", mono: "GoMono"}

// pdfDrawer draws on one A4 page of an fpdf document.
type pdfDrawer struct{ f *fpdf.Fpdf }

func writePDF(w io.Writer, p *Poster) error {
	if _, err := parsedFonts(); err != nil {
		return err
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.SetAutoPageBreak(false, 0)
	f.SetMargins(0, 0, 0)
	f.SetTitle("场所码 Place code: "+bmp(p.VenueName), true)
	f.SetCreator("healthcode", false)
	// fpdf parses each font anew for every document (it has no way to
	// share one), and subsets it to the characters used when it writes.
	for i, ttf := range fontTTFs {
		f.AddUTF8FontFromBytes(pdfFamilies[i], "", ttf)
	}
	f.AddPage()
	f.SetTextColor(0, 0, 0)
	f.SetDrawColor(0, 0, 0)
	if err := f.Error(); err != nil {
		return healthcode.Internal(err, "start poster PDF")
	}
	d := &pdfDrawer{f}
	if err := compose(d, p); err != nil {
		return err
	}
	if err := f.Output(w); err != nil {
		return healthcode.Internal(err, "write poster PDF")
	}
	return nil
}

func (d *pdfDrawer) width(f face, pt float64, s string) float64 {
	d.f.SetFont(pdfFamilies[f], "", pt)
	return d.f.GetStringWidth(s)
}

func (d *pdfDrawer) text(f face, pt float64, x, y float64, s string) {
	d.f.SetFont(pdfFamilies[f], "", pt)
	d.f.Text(x, y, s)
}

func (d *pdfDrawer) line(x1, y1, x2, y2, thickness float64) {
	d.f.SetLineWidth(thickness)
	d.f.Line(x1, y1, x2, y2)
}

// qr embeds the QR, with a few pixels per module, as a two-colour PNG
// scaled to fill the square.
func (d *pdfDrawer) qr(code string, x, y, size float64) error {
	modules, err := qr.Modules(code)
	if err != nil {
		return err
	}
	n := modules.Bounds().Dx()
	m := (pdfQRPixels + n - 1) / n
	img := image.NewPaletted(image.Rect(0, 0, n*m, n*m), color.Palette{color.White, color.Black})
	b := modules.Bounds()
	for j := 0; j < n*m; j++ {
		row := img.Pix[j*img.Stride : j*img.Stride+n*m]
		for i := range row {
			if modules.GrayAt(b.Min.X+i/m, b.Min.Y+j/m).Y < 0x80 {
				row[i] = 1
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return healthcode.Internal(err, "encode QR PNG")
	}
	opts := fpdf.ImageOptions{ImageType: "PNG"}
	d.f.RegisterImageOptionsReader("qr", opts, &buf)
	d.f.ImageOptions("qr", x, y, size, size, false, opts, 0, "")
	if err := d.f.Error(); err != nil {
		return healthcode.Internal(err, "put QR in poster PDF")
	}
	return nil
}

// bmp replaces the characters of s outside the Basic Multilingual Plane,
// which fpdf's UTF-16 encoder garbles.
func bmp(s string) string {
	return strings.Map(func(r rune) rune {
		if r > 0xFFFF {
			return missing
		}
		return r
	}, s)
}
