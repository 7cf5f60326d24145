package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/browsertest"
	"github.com/healthcode/healthcode/verify"
)

// TestBrowserCitizenNationalCode: in chromium, a citizen of a node that
// follows a hub goes from "my code" to the national code; the QR read from
// a screenshot is a valid green code of region CN for this region's person,
// under a band naming the home region, and the way back leads to "my code".
func TestBrowserCitizenNationalCode(t *testing.T) {
	s := newStack(t)
	s.followHub(t)
	ctx := newBrowser(t, 360, 800)
	citizenJourney(t, ctx, s.HTTP.URL, "13800138000", "11010519491231002X", nil)
	do(t, ctx, "open the national code from my code",
		chromedp.Click(`a[href="/me/code/national"]`),
		chromedp.WaitVisible("img.qr"))
	if band := run(t, ctx, "read the national band", chromedp.Text(".national")); !strings.Contains(band, "杭州市") {
		t.Errorf("national band %q does not name the home region", band)
	}
	text := browsertest.ReadCode(t, ctx)
	v, err := verify.NewVerifier(s.trustList(t))
	if err != nil {
		t.Fatal(err)
	}
	vd := v.Verify(text, time.Now())
	if !vd.Valid || vd.Region != healthcode.NationalRegion || vd.Home != testRegion || vd.Colour != healthcode.Green.String() {
		t.Fatalf("the national code's verdict %+v", vd)
	}
	do(t, ctx, "go back to my code",
		chromedp.Click(`a[href="/me/code"].button`),
		chromedp.WaitVisible(`a[href="/me/code/national"]`))
}
