package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/browsertest"
)

// TestBrowserHostedRegionCitizen: in headless chromium, a citizen of a
// region the hub hosts opens /regions/{id}/, signs in with the one-time
// password, saves a profile and declares through the pages (following
// the navigation's links, all under the prefix), and "my code" names the
// region in its header and shows a QR that, read from a screenshot, is a
// valid green national code (issuer CN) of that region; its clock ticks,
// so its script, loaded under the prefix, runs under the CSP.
func TestBrowserHostedRegionCitizen(t *testing.T) {
	ctx := browsertest.New(t, 360, 800)
	h := startHostedHub(t)
	h.hostRegions(t)
	base := "/regions/" + urumqi
	sel := func(attr, path string) string { return `[` + attr + `="` + base + path + `"]` }

	browsertest.Do(t, ctx, "open the region's pages", chromedp.Navigate(h.url+base+"/"), chromedp.WaitVisible("#phone"))
	header := browsertest.Run(t, ctx, "read the header", chromedp.Text("header .region"))
	if header != "地区：乌鲁木齐市" {
		t.Errorf("the header says %q, want the region's name", header)
	}
	browsertest.Do(t, ctx, "ask for a password",
		chromedp.SendKeys("#phone", "13900139000"),
		chromedp.Click(`form`+sel("action", "/signin/otp")+` button[type=submit]`),
		chromedp.WaitVisible("#otp"))
	otp := browsertest.Run(t, ctx, "read the dev password", chromedp.Text("#dev-otp output"))
	browsertest.Do(t, ctx, "sign in",
		chromedp.SendKeys("#otp", strings.TrimSpace(otp)),
		chromedp.Click(`form`+sel("action", "/signin")+` button[type=submit]`),
		chromedp.WaitVisible(`a.button`+sel("href", "/me/profile")))
	browsertest.Do(t, ctx, "open the profile from the navigation",
		chromedp.Click(`nav a`+sel("href", "/me/profile")),
		chromedp.WaitVisible("#f-name"))
	browsertest.Do(t, ctx, "save the profile",
		chromedp.SendKeys("#f-name", "张三丰"),
		chromedp.SendKeys("#f-id-number", "11010519491231002X"),
		chromedp.Click(`form`+sel("action", "/me/profile")+` button[type=submit]`),
		chromedp.WaitVisible(".notice"))
	browsertest.Do(t, ctx, "open the declaration from the navigation",
		chromedp.Click(`nav a`+sel("href", "/me/declare")),
		chromedp.WaitVisible("#f-temperature"))
	browsertest.Do(t, ctx, "declare",
		chromedp.SendKeys("#f-temperature", "36.6"),
		chromedp.Click(`form`+sel("action", "/me/declare")+` button[type=submit]`),
		chromedp.WaitVisible("img.qr"))
	loc := browsertest.Run(t, ctx, "read the location", chromedp.Location())
	if loc != h.url+base+"/me/code?declared=1" {
		t.Errorf("declared, the browser is at %s", loc)
	}

	band := browsertest.Run(t, ctx, "read the band", chromedp.Text(".band"))
	if !strings.Contains(band, "绿码") {
		t.Errorf("band %q: not green in words", band)
	}
	clock1 := browsertest.Run(t, ctx, "read the clock", chromedp.Text("#clock"))
	browsertest.Do(t, ctx, "wait a second", chromedp.Sleep(1100*time.Millisecond))
	clock2 := browsertest.Run(t, ctx, "read the clock", chromedp.Text("#clock"))
	if clock1 == clock2 || !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(clock2) {
		t.Errorf("the clock does not tick: %q then %q", clock1, clock2)
	}

	text := browsertest.ReadCode(t, ctx)
	verdict := h.verifier(t).Verify(text, time.Now())
	if !verdict.Valid || verdict.Region != healthcode.NationalRegion || verdict.Home != urumqi ||
		verdict.Colour != healthcode.Green.String() || verdict.Name != "张*丰" {
		t.Fatalf("the QR on my code: %+v, want a valid green national code of %s", verdict, urumqi)
	}
}
