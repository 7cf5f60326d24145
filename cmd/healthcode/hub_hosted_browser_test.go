package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/qr"
)

// hostedBrowser starts a headless chromium of its own, as package web's
// browser tests do (Debian's chromium, CHROMIUM overrides; skipped
// without one except with CI=true), in Chinese, 360 px wide.
func hostedBrowser(t *testing.T) context.Context {
	t.Helper()
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no chromium at %s: the browser tests are required in CI (apt-get install chromium)", p)
		}
		t.Skipf("no chromium at %s: browser test skipped (apt-get install chromium)", p)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(p),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(360, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func browseRead[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// TestBrowserHostedRegionCitizen: in headless chromium, a citizen of a
// region the hub hosts opens /regions/{id}/, signs in with the one-time
// password, saves a profile and declares through the pages (following
// the navigation's links, all under the prefix), and "my code" names the
// region in its header and shows a QR that, read from a screenshot, is a
// valid green national code (issuer CN) of that region; its clock ticks,
// so its script, loaded under the prefix, runs under the CSP.
func TestBrowserHostedRegionCitizen(t *testing.T) {
	ctx := hostedBrowser(t)
	h := startHostedHub(t)
	h.hostRegions(t)
	base := "/regions/" + urumqi
	sel := func(attr, path string) string { return `[` + attr + `="` + base + path + `"]` }

	browse(t, ctx, "open the region's pages", chromedp.Navigate(h.url+base+"/"), chromedp.WaitVisible("#phone"))
	header := browseRead(t, ctx, "read the header", chromedp.Text("header .region"))
	if header != "地区：乌鲁木齐市" {
		t.Errorf("the header says %q, want the region's name", header)
	}
	browse(t, ctx, "ask for a password",
		chromedp.SendKeys("#phone", "13900139000"),
		chromedp.Click(`form`+sel("action", "/signin/otp")+` button[type=submit]`),
		chromedp.WaitVisible("#otp"))
	otp := browseRead(t, ctx, "read the dev password", chromedp.Text("#dev-otp output"))
	browse(t, ctx, "sign in",
		chromedp.SendKeys("#otp", strings.TrimSpace(otp)),
		chromedp.Click(`form`+sel("action", "/signin")+` button[type=submit]`),
		chromedp.WaitVisible(`a.button`+sel("href", "/me/profile")))
	browse(t, ctx, "open the profile from the navigation",
		chromedp.Click(`nav a`+sel("href", "/me/profile")),
		chromedp.WaitVisible("#f-name"))
	browse(t, ctx, "save the profile",
		chromedp.SendKeys("#f-name", "张三丰"),
		chromedp.SendKeys("#f-id-number", "11010519491231002X"),
		chromedp.Click(`form`+sel("action", "/me/profile")+` button[type=submit]`),
		chromedp.WaitVisible(".notice"))
	browse(t, ctx, "open the declaration from the navigation",
		chromedp.Click(`nav a`+sel("href", "/me/declare")),
		chromedp.WaitVisible("#f-temperature"))
	browse(t, ctx, "declare",
		chromedp.SendKeys("#f-temperature", "36.6"),
		chromedp.Click(`form`+sel("action", "/me/declare")+` button[type=submit]`),
		chromedp.WaitVisible("img.qr"))
	loc := browseRead(t, ctx, "read the location", chromedp.Location())
	if loc != h.url+base+"/me/code?declared=1" {
		t.Errorf("declared, the browser is at %s", loc)
	}

	band := browseRead(t, ctx, "read the band", chromedp.Text(".band"))
	if !strings.Contains(band, "绿码") {
		t.Errorf("band %q: not green in words", band)
	}
	clock1 := browseRead(t, ctx, "read the clock", chromedp.Text("#clock"))
	browse(t, ctx, "wait a second", chromedp.Sleep(1100*time.Millisecond))
	clock2 := browseRead(t, ctx, "read the clock", chromedp.Text("#clock"))
	if clock1 == clock2 || !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(clock2) {
		t.Errorf("the clock does not tick: %q then %q", clock1, clock2)
	}

	shot := browseRead(t, ctx, "take a screenshot", chromedp.FullScreenshot(100))
	text, err := qr.DecodeImage(bytes.NewReader(shot))
	if err != nil {
		file := filepath.Join(t.TempDir(), "code.png")
		os.WriteFile(file, shot, 0o644)
		t.Fatalf("no QR code read from the screenshot (%s): %v", file, err)
	}
	verdict := h.verifier(t).Verify(text, time.Now())
	if !verdict.Valid || verdict.Region != healthcode.NationalRegion || verdict.Home != urumqi ||
		verdict.Colour != healthcode.Green.String() || verdict.Name != "张*丰" {
		t.Fatalf("the QR on my code: %+v, want a valid green national code of %s", verdict, urumqi)
	}
}
