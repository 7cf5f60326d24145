// Package poster draws a venue's printable place code poster, one A4
// portrait page, as a PNG (150 dpi) or a PDF: the title, the venue name, the
// place code as a large QR with its text under it (for a phone without a
// camera, where the citizen pastes or types it), the venue id and address,
// check-in instructions in Chinese and English, and the region in the
// footer.
//
// Both formats share one layout, measured in millimetres from the top left
// corner of the page. Text is set in two embedded fonts, so that a machine
// on a closed network needs no system fonts: Go Regular (from
// golang.org/x/image/font/gofont) for Latin, Greek and Cyrillic, and Droid
// Sans Fallback (fonts/, Apache License 2.0) for Chinese; each character
// takes the first of the two that has it. The place code's text is set in
// Go Mono, so that each character is as wide as the next and none is
// mistaken for another.
package poster

import (
	_ "embed"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// Poster is what one poster shows.
type Poster struct {
	PlaceCode string // "CNPC1:…", encoded as the QR
	VenueName string // any Unicode, Chinese typical, up to 100 runes
	VenueID   string // "V000123"
	Kind      string // venue kind, e.g. "pharmacy"
	Address   string // may be empty
	Region    string // e.g. "CN-330100"
}

// The page, in millimetres.
const (
	pageW  = 210.0
	pageH  = 297.0
	margin = 15.0
	textW  = pageW - 2*margin

	// PNG resolution.
	dpi = 150
)

// The fixed texts.
const (
	title         = "场所码 · Place code"
	instructionZH = "请使用健康码扫码登记 进入前请出示健康码"
	instructionEN = "Scan this code with your health code app to check in. Show your health code before entering."
)

// kindNames gives the Chinese for the venue kinds of hcode.PlaceKinds.
var kindNames = map[string]string{
	"community":   "社区",
	"office":      "办公场所",
	"factory":     "工厂",
	"school":      "学校",
	"pharmacy":    "药店",
	"supermarket": "超市",
	"mall":        "商场",
	"subway":      "地铁",
	"railway":     "铁路",
	"hospital":    "医院",
	"other":       "其他",
}

// Limits on the free texts, so that a crafted record cannot make a poster
// slow to lay out; longer texts are cut (the name still shrinks to fit).
const (
	maxNameRunes    = 200
	maxAddressRunes = 300
	maxShortRunes   = 64 // id, kind, region
)

//go:embed fonts/DroidSansFallbackFull.ttf
var cjkTTF []byte

// face names one of the embedded fonts.
type face int

const (
	latin face = iota // Go Regular
	cjk               // Droid Sans Fallback
	mono              // Go Mono, for the place code's text only
	numFaces
)

// fontTTFs are the embedded fonts by face.
var fontTTFs = [numFaces][]byte{latin: goregular.TTF, cjk: cjkTTF, mono: gomono.TTF}

var (
	fontsOnce sync.Once
	fonts     [numFaces]*sfnt.Font
	fontsErr  error
)

// parsedFonts parses the embedded fonts once.
func parsedFonts() ([numFaces]*sfnt.Font, error) {
	fontsOnce.Do(func() {
		for i, ttf := range fontTTFs {
			if fonts[i], fontsErr = sfnt.Parse(ttf); fontsErr != nil {
				fontsErr = healthcode.Internal(fontsErr, "parse embedded font")
				return
			}
		}
	})
	return fonts, fontsErr
}

// validate checks p and returns a copy with its texts cleaned for drawing.
func validate(p *Poster) (*Poster, error) {
	if p == nil {
		return nil, healthcode.Errorf(healthcode.EINVALID, "no poster")
	}
	var fe healthcode.FieldErrors
	if p.PlaceCode == "" {
		fe.Add("place_code", "is required")
	} else if !strings.HasPrefix(p.PlaceCode, hcode.PlacePrefix) {
		fe.Add("place_code", "must be a place code ("+hcode.PlacePrefix+"…)")
	}
	q := &Poster{
		PlaceCode: p.PlaceCode,
		VenueName: clean(p.VenueName, maxNameRunes),
		VenueID:   clean(p.VenueID, maxShortRunes),
		Kind:      clean(p.Kind, maxShortRunes),
		Address:   clean(p.Address, maxAddressRunes),
		Region:    clean(p.Region, maxShortRunes),
	}
	if q.VenueName == "" {
		fe.Add("venue_name", "is required")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return q, nil
}

// clean makes s one line of printable text: invalid UTF-8, control and
// format characters and runs of white space become single spaces, and s is
// cut to max runes with an ellipsis.
func clean(s string, max int) string {
	var b strings.Builder
	space, n := false, 0
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			space = b.Len() > 0
			continue
		}
		need := 1
		if space {
			need++
		}
		if n+need > max {
			b.WriteRune('…')
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		n += need
	}
	return b.String()
}

// drawer is what an output format provides to the layout: all lengths in
// millimetres, font sizes in points, y growing downwards.
type drawer interface {
	// width returns the advance width of s, set in f at size pt.
	width(f face, pt float64, s string) float64
	// text draws s in f at size pt with its baseline starting at (x, y).
	text(f face, pt float64, x, y float64, s string)
	// line draws a black line of the given thickness.
	line(x1, y1, x2, y2, thickness float64)
	// qr draws the QR of code, with its quiet zone, as large as fits in the
	// square of side size whose top left corner is (x, y), centred in it.
	qr(code string, x, y, size float64) error
}

// run is a piece of text set in one font.
type run struct {
	f face
	s string
}

// typesetter lays out text on a drawer, picking the font of each character.
type typesetter struct {
	d     drawer
	fonts [numFaces]*sfnt.Font
	buf   sfnt.Buffer
}

// has reports whether f has a glyph for r.
func (t *typesetter) has(f face, r rune) bool {
	g, err := t.fonts[f].GlyphIndex(&t.buf, r)
	return err == nil && g != 0
}

// missing stands for a character neither font has (Go Regular has it).
const missing = '□'

// runs splits s into runs of one font each. A character neither font has,
// and any outside the Basic Multilingual Plane (fpdf cannot encode those),
// becomes a white square, not an invisible or undefined glyph.
func (t *typesetter) runs(s string) []run {
	var out []run
	var b strings.Builder
	cur := latin
	for _, r := range s {
		f := latin
		switch {
		case r > 0xFFFF:
			r = missing
		case r == ' ' || t.has(latin, r):
		case t.has(cjk, r):
			f = cjk
		default:
			r = missing
		}
		if f != cur && b.Len() > 0 {
			out = append(out, run{cur, b.String()})
			b.Reset()
		}
		cur = f
		b.WriteRune(r)
	}
	if b.Len() > 0 {
		out = append(out, run{cur, b.String()})
	}
	return out
}

// width returns the width of s at size pt.
func (t *typesetter) width(pt float64, s string) float64 {
	w := 0.0
	for _, r := range t.runs(s) {
		w += t.d.width(r.f, pt, r.s)
	}
	return w
}

// text draws s with its baseline starting at (x, y).
func (t *typesetter) text(pt, x, y float64, s string) {
	for _, r := range t.runs(s) {
		t.d.text(r.f, pt, x, y, r.s)
		x += t.d.width(r.f, pt, r.s)
	}
}

// centred draws s centred on the page with its baseline at y.
func (t *typesetter) centred(pt, y float64, s string) {
	t.text(pt, (pageW-t.width(pt, s))/2, y, s)
}

// wrap breaks s into lines no wider than maxW at size pt: between words of
// Latin text, between any two characters of Chinese, and inside a word only
// when it alone is too wide.
func (t *typesetter) wrap(pt, maxW float64, s string) []string {
	var lines []string
	var line strings.Builder
	lineW := 0.0 // the width of line, without its trailing spaces
	spaceW := t.width(pt, " ")
	pending := 0 // spaces after line, kept only if a word follows
	flush := func() {
		if line.Len() > 0 {
			lines = append(lines, line.String())
		}
		line.Reset()
		lineW, pending = 0, 0
	}
	for _, tok := range tokens(s) {
		if tok == " " {
			if line.Len() > 0 {
				pending++
			}
			continue
		}
		w := t.width(pt, tok)
		if line.Len() > 0 && lineW+float64(pending)*spaceW+w > maxW {
			flush()
		}
		if line.Len() > 0 {
			line.WriteString(strings.Repeat(" ", pending))
			lineW += float64(pending) * spaceW
		}
		pending = 0
		if w <= maxW || line.Len() > 0 {
			line.WriteString(tok)
			lineW += w
			continue
		}
		// tok alone is too wide: break it between characters.
		for _, r := range tok {
			rw := t.width(pt, string(r))
			if line.Len() > 0 && lineW+rw > maxW {
				flush()
			}
			line.WriteRune(r)
			lineW += rw
		}
	}
	flush()
	return lines
}

// tokens splits s into the pieces a line may break between: single spaces,
// single Chinese (and other wide) characters, and words of anything else.
func tokens(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if r == ' ' || wide(r) {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			out = append(out, string(r))
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// wide reports whether a line may break before and after r, as between
// Chinese, Japanese and Korean characters.
func wide(r rune) bool {
	return r >= 0x2E80 && !(r >= 0xFB00 && r <= 0xFE0F) && !(r >= 0xFF61 && r <= 0xFFDC)
}

// ellipsize ends s with an ellipsis, cutting it to fit maxW at size pt.
func (t *typesetter) ellipsize(pt, maxW float64, s string) string {
	rs := []rune(s)
	// Cut most of the excess at once, then a character at a time.
	if w := t.width(pt, s); w > maxW {
		rs = rs[:int(float64(len(rs))*maxW/w)]
	}
	for len(rs) > 0 && t.width(pt, string(rs)+"…") > maxW {
		rs = rs[:len(rs)-1]
	}
	return strings.TrimRight(string(rs), " ") + "…"
}

// mmPerPt is the size of a point in millimetres.
const mmPerPt = 25.4 / 72

// The layout, top to bottom (millimetres).
const (
	titlePt       = 24
	titleBaseline = 25
	ruleY         = 31

	nameTop    = 36
	nameHeight = 34
	nameLead   = 1.25 // line height, in font sizes

	qrTop  = 74
	qrSize = 136 // the QR with its quiet zone; the symbol is at least 10 cm

	// The place code's text, right under the QR's quiet zone.
	codeTop    = qrTop + qrSize + 1
	codeHeight = 13
	codeLead   = 1.2 // line height, in font sizes

	idPt            = 12
	idBaseline      = 229
	addressPt       = 11
	addressBaseline = 235
	addressLines    = 2

	zhPt       = 20
	zhBaseline = 253
	enPt       = 13
	enBaseline = 262

	footerRuleY    = 277
	footerPt       = 10
	footerBaseline = 284
)

// nameSizes are the font sizes tried for the venue name, largest first.
var nameSizes = []float64{36, 32, 28, 24, 20, 18, 16, 14}

// codeSizes are the font sizes tried for the place code's text, largest
// first: the code of a venue with a short name fits at the first, one of
// 100 Chinese characters (the longest a venue's name may be) at the third.
var codeSizes = []float64{7, 6.5, 6, 5.5, 5}

// codeLines breaks the place code into the lines printed under the QR, at
// the largest of codeSizes at which they fit in codeHeight, and returns the
// size. Every line but the last is as long as the column allows (the font
// is monospaced), except that no line starts or ends with a space, which
// the code's alphabet has and which would not be seen there. A code too
// long to fit even at the smallest size gets no lines: the QR alone.
func (t *typesetter) codeLines(code string) (float64, []string) {
	rs := []rune(code)
	for _, pt := range codeSizes {
		n := int(textW / t.d.width(mono, pt, "M"))
		fit := int(codeHeight / (pt * mmPerPt * codeLead))
		if n < 2 || fit < 1 {
			continue
		}
		var lines []string
		for rest := rs; len(rest) > 0 && len(lines) <= fit; {
			k := min(n, len(rest))
			// Break before a space rather than after it, and never
			// right before one either.
			for k < len(rest) && k > 1 && (rest[k-1] == ' ' || rest[k] == ' ') {
				k--
			}
			lines = append(lines, string(rest[:k]))
			rest = rest[k:]
		}
		if len(lines) <= fit {
			return pt, lines
		}
	}
	return 0, nil
}

// compose draws the poster of p on d.
func compose(d drawer, p *Poster) error {
	fs, err := parsedFonts()
	if err != nil {
		return err
	}
	t := &typesetter{d: d, fonts: fs}

	t.centred(titlePt, titleBaseline, title)
	d.line(margin, ruleY, pageW-margin, ruleY, 0.4)

	// The venue name: the largest size at which it fits, wrapped; at the
	// smallest size, cut to the lines that fit.
	var pt float64
	var lines []string
	for _, pt = range nameSizes {
		lines = t.wrap(pt, textW, p.VenueName)
		if float64(len(lines))*pt*mmPerPt*nameLead <= nameHeight {
			break
		}
	}
	lead := pt * mmPerPt * nameLead
	if fit := int(nameHeight / lead); len(lines) > fit {
		lines = append(lines[:fit-1], t.ellipsize(pt, textW, lines[fit-1]))
	}
	top := nameTop + (nameHeight-float64(len(lines))*lead)/2
	for i, l := range lines {
		// Centre the em box (ascent about 0.88 em) in the line.
		t.centred(pt, top+float64(i)*lead+(lead-pt*mmPerPt)/2+0.88*pt*mmPerPt, l)
	}

	if err := d.qr(p.PlaceCode, (pageW-qrSize)/2, qrTop, qrSize); err != nil {
		return err
	}
	// The code's text, for a phone without a camera: the lines are left
	// aligned in a block centred on the page, so that they can be read
	// (or typed) one after the other.
	if pt, lines := t.codeLines(p.PlaceCode); len(lines) > 0 {
		x := (pageW - d.width(mono, pt, lines[0])) / 2
		lead := pt * mmPerPt * codeLead
		for i, l := range lines {
			d.text(mono, pt, x, codeTop+float64(i)*lead+0.8*pt*mmPerPt, l)
		}
	}

	id := "编号 ID: " + p.VenueID
	if p.VenueID == "" {
		id = ""
	}
	if p.Kind != "" {
		kind := p.Kind
		if zh, ok := kindNames[p.Kind]; ok {
			kind = zh + " " + p.Kind
		}
		if id != "" {
			id += " · "
		}
		id += kind
	}
	if id != "" {
		t.centred(idPt, idBaseline, t.fit(idPt, id))
	}
	if p.Address != "" {
		lines := t.wrap(addressPt, textW, "地址 Address: "+p.Address)
		if len(lines) > addressLines {
			lines = append(lines[:addressLines-1], t.ellipsize(addressPt, textW, lines[addressLines-1]))
		}
		for i, l := range lines {
			t.centred(addressPt, addressBaseline+float64(i)*addressPt*mmPerPt*1.3, l)
		}
	}

	for i, l := range t.wrap(zhPt, textW, instructionZH) {
		t.centred(zhPt, zhBaseline+float64(i)*zhPt*mmPerPt*1.3, l)
	}
	for i, l := range t.wrap(enPt, textW, instructionEN) {
		t.centred(enPt, enBaseline+float64(i)*enPt*mmPerPt*1.3, l)
	}

	d.line(margin, footerRuleY, pageW-margin, footerRuleY, 0.3)
	if p.Region != "" {
		t.centred(footerPt, footerBaseline, t.fit(footerPt, "地区 Region: "+p.Region))
	}
	return nil
}

// fit returns s, cut with an ellipsis if it is wider than the text column.
func (t *typesetter) fit(pt float64, s string) string {
	if t.width(pt, s) <= textW {
		return s
	}
	return t.ellipsize(pt, textW, s)
}

// PNG writes the poster of p as a PNG image of an A4 portrait page at
// 150 dpi (1240×1754 pixels), greyscale.
func PNG(w io.Writer, p *Poster) error {
	q, err := validate(p)
	if err != nil {
		return err
	}
	return writePNG(w, q)
}

// PDF writes the poster of p as a PDF document of one A4 portrait page,
// with the fonts subset and embedded.
func PDF(w io.Writer, p *Poster) error {
	q, err := validate(p)
	if err != nil {
		return err
	}
	return writePDF(w, q)
}
