package web

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/color"
	"image/png"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/browsertest"
	"github.com/healthcode/healthcode/verify"
)

// screenshots, when set, makes TestScreenshots write a PNG of each page at
// phone and desktop width into that directory:
//
//	go test ./web -run TestScreenshots -screenshots ../docs/screenshots
var screenshots = flag.String("screenshots", "", "write a screenshot of each page into this directory")

// The browser helpers of package browsertest, under the short names the
// tests of this package use.
func chromiumPath(t *testing.T) string { t.Helper(); return browsertest.Path(t) }

func newBrowser(t *testing.T, width, height int, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	return browsertest.New(t, width, height, extra...)
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, ctx, what, steps...)
}

func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	return browsertest.Run(t, ctx, what, a)
}

// forgetSession clears the browser's cookies: the next page is signed out.
func forgetSession(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "forget the session", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return chromedp.Void{}, err
	})
}

// citizenJourney signs a citizen in through the pages, saves a profile
// and declares, ending on "my code". shot, when not nil, is called on
// each page reached.
func citizenJourney(t *testing.T, ctx context.Context, base, phone, idNumber string, shot func(name string)) {
	if shot == nil {
		shot = func(string) {}
	}
	do(t, ctx, "open the node", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#phone"))
	shot("signin")
	do(t, ctx, "ask for a password",
		chromedp.SendKeys("#phone", phone),
		chromedp.Click(`form[action="/signin/otp"] button[type=submit]`),
		chromedp.WaitVisible("#otp"))
	shot("signin-otp")
	otp := run(t, ctx, "read the dev password", chromedp.Text("#dev-otp output"))
	do(t, ctx, "sign in",
		chromedp.SendKeys("#otp", strings.TrimSpace(otp)),
		chromedp.Click(`form[action="/signin"] button[type=submit]`),
		chromedp.WaitVisible(`a[href="/me/profile"].button`))
	do(t, ctx, "open the profile from the navigation",
		chromedp.Click(`nav a[href="/me/profile"]`),
		chromedp.WaitVisible("#f-name"))
	do(t, ctx, "save the profile",
		chromedp.SendKeys("#f-name", "张三丰"),
		chromedp.SendKeys("#f-id-number", idNumber),
		chromedp.Click(`form[action="/me/profile"] button[type=submit]`),
		chromedp.WaitVisible(".notice"))
	shot("profile")
	do(t, ctx, "open the declaration from the navigation",
		chromedp.Click(`nav a[href="/me/declare"]`),
		chromedp.WaitVisible("#f-temperature"))
	shot("declare")
	do(t, ctx, "declare",
		chromedp.SendKeys("#f-temperature", "36.6"),
		chromedp.Click(`form[action="/me/declare"] button[type=submit]`),
		chromedp.WaitVisible("img.qr"))
}

// TestBrowserCitizenGetsAGreenCode is issue 8's browser test: in
// chromium, a citizen signs in, saves a profile, declares and opens "my
// code"; the QR, read from a screenshot, verifies against the node's
// trust list as a valid green code.
func TestBrowserCitizenGetsAGreenCode(t *testing.T) {
	start := time.Now()
	s := newStack(t)
	ctx := newBrowser(t, 360, 800)
	citizenJourney(t, ctx, s.HTTP.URL, "13800138000", "11010519491231002X", nil)

	band := run(t, ctx, "read the band", chromedp.Text(".band"))
	if !strings.Contains(band, "绿码") || !strings.Contains(band, "Green code") {
		t.Errorf("band %q: the colour is not named in words", band)
	}
	// The page's script runs under the CSP: the clock ticks and the
	// countdown counts.
	clock1 := run(t, ctx, "read the clock", chromedp.Text("#clock"))
	do(t, ctx, "wait a second", chromedp.Sleep(1100*time.Millisecond))
	clock2 := run(t, ctx, "read the clock", chromedp.Text("#clock"))
	left := run(t, ctx, "read the countdown", chromedp.Text("#countdown"))
	if clock1 == clock2 || !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(clock2) {
		t.Errorf("the clock does not tick: %q then %q", clock1, clock2)
	}
	if !regexp.MustCompile(`^0[0-4]:\d\d$`).MatchString(left) {
		t.Errorf("countdown %q", left)
	}

	text := browsertest.ReadCode(t, ctx)
	v, err := verify.NewVerifier(s.trustList(t))
	if err != nil {
		t.Fatal(err)
	}
	verdict := v.Verify(text, time.Now())
	if !verdict.Valid || verdict.Colour != healthcode.Green.String() || verdict.Region != testRegion || verdict.Name != "张*丰" {
		t.Fatalf("verdict %+v", verdict)
	}
	t.Logf("signed in, declared and verified in %v", time.Since(start).Round(time.Millisecond))
}

// TestScreenshots writes docs/screenshots (with -screenshots DIR): each
// citizen page at 360 and 1280 px wide, in Chinese.
func TestScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("run with -screenshots DIR to write the screenshots")
	}
	if err := os.MkdirAll(*screenshots, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		name          string
		width, height int
	}{{"phone", 360, 760}, {"desktop", 1280, 800}} {
		t.Run(w.name, func(t *testing.T) {
			s := newStack(t)
			ctx := newBrowser(t, w.width, w.height)
			write := func(name string) {
				t.Helper()
				// The focus ring and caret are not part of the page.
				chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void]("document.activeElement && document.activeElement.blur()"))
				b := run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
				path := filepath.Join(*screenshots, name+"-"+w.name+".png")
				if err := os.WriteFile(path, shrinkPNG(t, b), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			citizenJourney(t, ctx, s.HTTP.URL, "13800138000", "11010519491231002X", write)
			write("code")
			// A staff read and an appeal, so those pages show something.
			personID, err := s.DB.FindPersonByIDNumber(context.Background(), "11010519491231002X")
			if err != nil {
				t.Fatal(err)
			}
			staff := &healthcode.Caller{Role: healthcode.RoleHealth, TokenID: 1, Name: "西湖区疾控"}
			if err := s.Audit.Record(context.Background(), staff, personID, healthcode.ReadStatus, "流调核查"); err != nil {
				t.Fatal(err)
			}
			addOwnRecords(t, s.DB, "11010519491231002X") // so "my records" lists some
			if _, err := s.Citizens.Evaluate(context.Background(), personID); err != nil {
				t.Fatal(err)
			}
			do(t, ctx, "records", chromedp.Click(`nav a[href="/me/records"]`), chromedp.WaitVisible("#decl-h"))
			write("records")
			do(t, ctx, "access log", chromedp.Click(`nav a[href="/me/access-log"]`), chromedp.WaitVisible("table"))
			write("access-log")
			do(t, ctx, "appeals", chromedp.Click(`nav a[href="/me/appeals"]`), chromedp.WaitVisible("#f-reason"),
				chromedp.SendKeys("#f-reason", "我 11 月 25 日的核酸结果是阴性，请核实。"),
				chromedp.Click(`form[action="/me/appeals"] button[type=submit]`), chromedp.WaitVisible(".appeal"))
			write("appeals")
			do(t, ctx, "an error beside its field", chromedp.Click(`nav a[href="/me/declare"]`), chromedp.WaitVisible("#f-temperature"),
				chromedp.SendKeys("#f-temperature", "45"), chromedp.SendKeys(`input[name="places[0].division"]`, "12"),
				chromedp.Click(`form[action="/me/declare"] button[type=submit]`), chromedp.WaitVisible(".field-error"))
			write("declare-errors")
			do(t, ctx, "English", chromedp.Click(`a.lang`), chromedp.WaitVisible(`html[lang="en"] h1`),
				chromedp.Click(`nav a[href="/me/code"]`), chromedp.WaitVisible("img.qr"))
			write("code-en")
			checkpointScreenshots(t, ctx, write)
			checkinScreenshots(t, ctx, write)
			staffScreenshots(t, ctx, write)
		})
	}
}

// shrinkPNG re-encodes a screenshot with a palette of its 256 most
// frequent colours (text antialiasing takes the nearest): a fraction of
// the size of Chrome's RGBA PNG, and the page's own colours exact.
func shrinkPNG(t *testing.T, b []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bounds := img.Bounds()
	count := map[color.RGBA]int{}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			count[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colours := slices.SortedFunc(maps.Keys(count), func(a, b color.RGBA) int { return count[b] - count[a] })
	pal := make(color.Palette, 0, 256)
	for _, c := range colours[:min(256, len(colours))] {
		pal = append(pal, c)
	}
	p := image.NewPaletted(bounds, pal)
	index := map[color.RGBA]uint8{}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			p.SetColorIndex(x, y, i)
		}
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&out, p); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
