package poster

import (
	"bytes"
	"compress/zlib"
	"crypto/ed25519"
	"crypto/x509"
	"fmt"
	"image"
	"image/png"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/qr"
	"golang.org/x/image/font"
)

var (
	signerOnce sync.Once
	signer     *hcode.Signer
)

// placeCode signs a genuine place code naming the venue, the text a poster
// carries: the longer the name, the larger the QR. The key and time are
// fixed, so that each venue's code, and so its QR, is the same in every run:
// gozxing's detector, which qr.DecodeImage uses, misreads a few per cent of
// large codes on a whole page (zbar reads them), and a test must not flake.
func placeCode(t testing.TB, name string) string {
	t.Helper()
	signerOnce.Do(func() {
		pkcs8, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize)))
		if err != nil {
			panic(err)
		}
		if signer, err = hcode.NewSigner(healthcode.AlgEdDSA, pkcs8); err != nil {
			panic(err)
		}
	})
	code, err := signer.SignPlace(&hcode.PlaceClaims{
		Issuer: "CN-330100", IssuedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), CTI: bytes.Repeat([]byte{7}, 16),
		ID: "V000123", Kind: "pharmacy", Name: name, Division: "330106",
	})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// The venues of the tests: short and long, Chinese and English, and texts
// the fonts lack.
var venues = []struct {
	test, name, address string
}{
	{"short Chinese", "同仁堂大药房", "浙江省杭州市西湖区文三路478号"},
	{"English", "Green Valley Pharmacy", "478 Wensan Road, Xihu District, Hangzhou"},
	{"long Chinese, 100 runes", string([]rune(strings.Repeat("杭州市西湖区文三路同仁堂大药房连锁", 6))[:100]), "浙江省杭州市西湖区文三路478号华星时代广场A座一楼"},
	{"long English", "The Very Long Named Twenty-Four Hour Community Pharmacy and Health Supplies Store of West Lake Cultural Square",
		strings.Repeat("Building 7, Entrance 3, 478 Wensan Road, ", 8)},
	{"one long word", strings.Repeat("Supercalifragilistic", 5), ""},
	{"too long, cut", strings.Repeat("药", 400), strings.Repeat("路", 400)},
	{"characters no font has", "药房 😀 𠀀 \u200b\x07 tab\there\nnewline", ""},
}

func poster(t testing.TB, name, address string) *Poster {
	return &Poster{
		PlaceCode: placeCode(t, name),
		VenueName: name,
		VenueID:   "V000123",
		Kind:      "pharmacy",
		Address:   address,
		Region:    "CN-330100",
	}
}

func TestPNG(t *testing.T) {
	for _, v := range venues {
		t.Run(v.test, func(t *testing.T) {
			p := poster(t, v.name, v.address)
			var buf bytes.Buffer
			if err := PNG(&buf, p); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 1240 || b.Dy() != 1754 {
				t.Fatalf("PNG is %v, want 1240×1754 (A4 at 150 dpi)", b)
			}
			got, err := qr.DecodeImage(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("QR does not decode: %v", err)
			}
			if got != p.PlaceCode {
				t.Errorf("QR decodes to %q, want %q", got, p.PlaceCode)
			}

			// The QR symbol is at least 10 cm wide: the dark pixels of its
			// band of the page span at least 591 pixels.
			band := image.Rect(0, int(px(qrTop)), 1240, int(px(qrTop+qrSize)))
			if dark := darkBounds(img, band); dark.Dx() < 591 || dark.Dy() < 591 {
				t.Errorf("QR symbol is %v pixels, want at least 591 (10 cm) square", dark.Size())
			}
			// The code's text is printed under the QR (unless it is too
			// long for any size, as the code of a name cut to 400
			// characters is).
			codeBand := image.Rect(0, int(px(codeTop)), 1240, int(px(codeTop+codeHeight)))
			if dark := darkBounds(img, codeBand); (len(p.PlaceCode) < 1000) != !dark.Empty() {
				t.Errorf("ink under the QR at %v for a code of %d characters", dark, len(p.PlaceCode))
			}
			// No text overflows into the side margins (10 mm of the 15).
			for _, side := range []image.Rectangle{image.Rect(0, 0, 59, 1754), image.Rect(1240-59, 0, 1240, 1754)} {
				if dark := darkBounds(img, side); !dark.Empty() {
					t.Errorf("ink in the margin at %v", dark)
				}
			}
		})
	}
}

// darkBounds returns the bounds of the dark pixels of img inside r.
func darkBounds(img image.Image, r image.Rectangle) image.Rectangle {
	var out image.Rectangle
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if l, _, _, _ := img.At(x, y).RGBA(); l < 0x8000 {
				out = out.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return out
}

func TestPDF(t *testing.T) {
	for _, v := range venues {
		t.Run(v.test, func(t *testing.T) {
			p := poster(t, v.name, v.address)
			var buf bytes.Buffer
			if err := PDF(&buf, p); err != nil {
				t.Fatal(err)
			}
			doc := buf.Bytes()
			if !bytes.HasPrefix(doc, []byte("%PDF-")) {
				t.Fatalf("does not start with %%PDF-: %q", doc[:min(len(doc), 16)])
			}
			if n := len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(doc, -1)); n != 1 {
				t.Errorf("%d pages, want 1", n)
			}
			if !regexp.MustCompile(`/MediaBox \[0 0 595\.2\d* 841\.[89]\d*\]`).Match(doc) {
				t.Errorf("no A4 MediaBox (595.28 x 841.89 pt) in %s", regexp.MustCompile(`/MediaBox \[[^\]]*\]`).Find(doc))
			}
			// The fonts are embedded, and subset: the whole Chinese font
			// is 4 MB.
			if n := bytes.Count(doc, []byte("/FontFile2")); n < 2 || n > 3 {
				t.Errorf("%d embedded TrueType fonts, want 3 (2 without the code's text)", n)
			}
			if len(doc) > 200<<10 {
				t.Errorf("PDF is %d bytes: is the font not subset?", len(doc))
			}

			// The content shows the texts (fpdf writes UTF-16BE strings
			// for its UTF-8 fonts); the long names are wrapped, so only
			// their start is on one line, and the lines are split where
			// the font changes.
			content := inflateStreams(t, doc)
			want := []string{"场所码", "请使用健康码扫码登记", "Scan this code", "CN-330100", "V000123"}
			switch v.test {
			case "short Chinese", "English":
				want = append(want, v.name)
			case "long Chinese, 100 runes":
				want = append(want, v.name[:10*3])
			}
			for _, s := range want {
				if !bytes.Contains(content, pdfString(s)) {
					t.Errorf("page content lacks %q", s)
				}
			}
			// The place code's text is under the QR, every character of
			// it, in lines that join to the code.
			if len(p.PlaceCode) < 1000 {
				lines := regexp.MustCompile(`\(((?:[^\\)]|\\.)*)\) Tj`).FindAllSubmatch(content, -1)
				var text strings.Builder
				for _, l := range lines {
					if s := pdfText(l[1]); strings.HasPrefix(s, hcode.PlacePrefix) || text.Len() > 0 && text.Len() < len(p.PlaceCode) {
						text.WriteString(s)
					}
				}
				if text.String() != p.PlaceCode {
					t.Errorf("the page's text under the QR is %q, want the place code %q", text.String(), p.PlaceCode)
				}
			}
			if !bytes.Contains(content, []byte(" Do")) {
				t.Errorf("page draws no image (the QR)")
			}
		})
	}
}

// inflateStreams returns the decompressed streams of a PDF, concatenated.
func inflateStreams(t *testing.T, doc []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, m := range regexp.MustCompile(`(?s)stream\r?\n(.*?)endstream`).FindAllSubmatch(doc, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue // not a Flate stream
		}
		io.Copy(&out, zr) // a truncated tail only loses that stream's end
		out.WriteByte('\n')
	}
	if out.Len() == 0 {
		t.Fatal("no compressed streams in the PDF")
	}
	return out.Bytes()
}

// pdfString returns s as fpdf writes it in a (…) Tj operand of a UTF-8 font.
func pdfString(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return []byte(strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`, "\r", `\r`).Replace(string(b)))
}

// pdfText decodes a (…) Tj operand fpdf writes for a UTF-8 font.
func pdfText(b []byte) string {
	raw := []byte(strings.NewReplacer(`\\`, `\`, `\(`, `(`, `\)`, `)`, `\r`, "\r").Replace(string(b)))
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
	}
	return string(utf16.Decode(u))
}

// TestCodeLines checks the lines of the place code's text: they join to
// the code, fit the column, neither start nor end with a space, and fit
// under the QR at a size one can still read (or type from).
func TestCodeLines(t *testing.T) {
	fs, err := parsedFonts()
	if err != nil {
		t.Fatal(err)
	}
	ts := &typesetter{d: widthDrawer{}, fonts: fs} // every character 1 mm
	for _, v := range venues[:5] {
		code := placeCode(t, v.name)
		pt, lines := ts.codeLines(code)
		if len(lines) == 0 || strings.Join(lines, "") != code {
			t.Errorf("%s: lines %q do not join to the code %q", v.test, lines, code)
			continue
		}
		if float64(len(lines))*pt*mmPerPt*codeLead > codeHeight {
			t.Errorf("%s: %d lines at %v pt are higher than %v mm", v.test, len(lines), pt, codeHeight)
		}
		for i, l := range lines {
			if n := len([]rune(l)); n > int(textW) || i < len(lines)-1 && n < int(textW)-2 {
				t.Errorf("%s: line %d is %d characters, want %d", v.test, i, n, int(textW))
			}
			if strings.HasPrefix(l, " ") || strings.HasSuffix(l, " ") {
				t.Errorf("%s: line %d %q starts or ends with a space", v.test, i, l)
			}
		}
	}
	// A space where a line would break moves the break before it.
	code := "CNPC1:" + strings.Repeat("A", int(textW)-8) + " B C" + strings.Repeat("D", 10)
	if _, lines := ts.codeLines(code); len(lines) != 2 || strings.Join(lines, "") != code || strings.HasSuffix(lines[0], " ") || strings.HasPrefix(lines[1], " ") {
		t.Errorf("codeLines(%q) = %q", code, lines)
	}
	// With real widths, the longest code a venue can have (a name of 100
	// Chinese characters) is printed at 6 pt at least.
	real := &typesetter{d: &pngDrawer{faces: map[faceKey]font.Face{}}, fonts: fs}
	if pt, lines := real.codeLines(placeCode(t, venues[2].name)); pt < 6 || strings.Join(lines, "") != placeCode(t, venues[2].name) {
		t.Errorf("the code of a name of 100 Chinese characters is set at %v pt in %d lines, want 6 pt or more", pt, len(lines))
	}
	// Too long for any size: no text (the QR alone).
	if pt, lines := ts.codeLines(strings.Repeat("A", 100000)); lines != nil || pt != 0 {
		t.Errorf("a code of 100000 characters gets %d lines at %v pt, want none", len(lines), pt)
	}
}

func TestRejects(t *testing.T) {
	good := poster(t, "同仁堂大药房", "")
	for _, tt := range []struct {
		test string
		edit func(p *Poster) *Poster
	}{
		{"no poster", func(*Poster) *Poster { return nil }},
		{"empty place code", func(p *Poster) *Poster { p.PlaceCode = ""; return p }},
		{"a health code", func(p *Poster) *Poster { p.PlaceCode = "CNHC1:" + p.PlaceCode[6:]; return p }},
		{"lower case", func(p *Poster) *Poster { p.PlaceCode = "CNPC1:abc"; return p }},
		{"no venue name", func(p *Poster) *Poster { p.VenueName = " \n\t "; return p }},
	} {
		for _, format := range []struct {
			name  string
			write func(io.Writer, *Poster) error
		}{{"PNG", PNG}, {"PDF", PDF}} {
			p := *good
			var buf bytes.Buffer
			err := format.write(&buf, tt.edit(&p))
			if healthcode.ErrorCode(err) != healthcode.EINVALID {
				t.Errorf("%s %s: error %v, want EINVALID", tt.test, format.name, err)
			}
			if buf.Len() != 0 {
				t.Errorf("%s %s: wrote %d bytes with the error", tt.test, format.name, buf.Len())
			}
		}
	}
}

// widthDrawer measures every character as one millimetre wide.
type widthDrawer struct{}

func (widthDrawer) width(_ face, _ float64, s string) float64    { return float64(len([]rune(s))) }
func (widthDrawer) text(face, float64, float64, float64, string) {}
func (widthDrawer) line(_, _, _, _, _ float64)                   {}
func (widthDrawer) qr(string, float64, float64, float64) error   { return nil }

func TestWrap(t *testing.T) {
	fs, err := parsedFonts()
	if err != nil {
		t.Fatal(err)
	}
	ts := &typesetter{d: widthDrawer{}, fonts: fs}
	if !ts.has(latin, missing) {
		t.Errorf("Go Regular lacks %q, which stands for missing characters", missing)
	}
	for _, tt := range []struct {
		text string
		maxW float64
		want []string
	}{
		{"", 5, nil},
		{"ab cd ef", 5, []string{"ab cd", "ef"}},
		{"ab  cd", 3, []string{"ab", "cd"}},
		{"一二三四五", 2, []string{"一二", "三四", "五"}},
		{"药房Pharmacy一", 8, []string{"药房", "Pharmacy", "一"}},
		{"abcdefg hi", 3, []string{"abc", "def", "g", "hi"}},
		{" lead and trail ", 20, []string{"lead and trail"}},
	} {
		got := ts.wrap(12, tt.maxW, tt.text)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) || len(got) != len(tt.want) {
			t.Errorf("wrap(%q, %v) = %q, want %q", tt.text, tt.maxW, got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"  同仁堂\n\t大药房 ", 100, "同仁堂 大药房"},
		{"a\x00b\u200bc\xffd", 100, "a b c d"},
		{"一二三四", 2, "一二…"},
		{"一二", 2, "一二"},
		{"一 二三", 3, "一 二…"},
		{"一 二三", 2, "一…"},
	} {
		if got := clean(tt.in, tt.max); got != tt.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// TestConcurrent draws posters side by side (run with -race): the fonts are
// parsed once and shared.
func TestConcurrent(t *testing.T) {
	p := poster(t, "同仁堂大药房", "文三路478号")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				errs <- PNG(io.Discard, p)
			} else {
				errs <- PDF(io.Discard, p)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkPNG(b *testing.B) {
	p := poster(b, "杭州市西湖区同仁堂大药房（文三路店）", "浙江省杭州市西湖区文三路478号")
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := PNG(&buf, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/poster")
}

func BenchmarkPDF(b *testing.B) {
	p := poster(b, "杭州市西湖区同仁堂大药房（文三路店）", "浙江省杭州市西湖区文三路478号")
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := PDF(&buf, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/poster")
}
