// Package browsertest starts the headless chromium that the browser tests
// drive (chromedp) and runs their steps with a deadline. It is imported by
// tests only.
package browsertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/healthcode/healthcode/qr"
)

// Path finds Debian's chromium (CHROMIUM overrides). Without one the test
// is skipped, except in CI (CI=true), where it fails: .ci/run installs it.
func Path(tb testing.TB) string {
	tb.Helper()
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("no chromium at %s: the browser tests are required in CI (apt-get install chromium)", p)
		}
		tb.Skipf("no chromium at %s: browser test skipped (apt-get install chromium)", p)
	}
	return p
}

// New starts a headless chromium of its own (a fresh profile, no
// background connections: the machine's network is closed), in Chinese,
// with a window of width × height CSS pixels; extra adds flags (a fake
// camera). It ends with the test.
func New(tb testing.TB, width, height int, extra ...chromedp.ExecAllocatorOption) context.Context {
	tb.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path(tb)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		// A Chinese browser: the pages are in Chinese unless switched.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(width, height),
	}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Timeout bounds one call of Do or Run.
const Timeout = 15 * time.Second

// Do runs steps within Timeout, failing the test with what was running.
func Do(tb testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// Run runs a within Timeout and returns what it read, failing the test
// with what was running.
func Run[T any](tb testing.TB, ctx context.Context, what string, a chromedp.Action[T]) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	return v
}

// ReadCode reads the QR of the code card as a phone shows it (section.code,
// the QR with its margin, at three device pixels a CSS pixel; at one, CSS
// scaling leaves the modules 4 or 5 pixels wide, which the decoder misread
// now and then), once the browser has decoded the QR image. The general
// detector still misreads an odd rendering among the card's band and text
// (5 of 400 random codes on a card 360 pixels wide); the QR element alone
// (its quiet zone included), which the pure-barcode reader reads too, read
// all 5. When neither reads, both screenshots are kept for a look.
func ReadCode(tb testing.TB, ctx context.Context) string {
	tb.Helper()
	Run(tb, ctx, "wait for the QR image", chromedp.Poll[bool](
		`(() => { const i = document.querySelector("img.qr"); return !!i && i.complete && i.naturalWidth > 0; })()`))
	card := Run(tb, ctx, "take a screenshot of the code", chromedp.ScreenshotScale("section.code", 3))
	text, err := qr.DecodeImage(bytes.NewReader(card))
	if err == nil {
		return text
	}
	alone := Run(tb, ctx, "take a screenshot of the QR", chromedp.ScreenshotScale("img.qr", 3))
	if text, err2 := qr.DecodeImage(bytes.NewReader(alone)); err2 == nil {
		tb.Logf("the card's screenshot did not read (%v); the QR's alone did", err)
		return text
	}
	dir := tb.TempDir()
	os.WriteFile(filepath.Join(dir, "card.png"), card, 0o644)
	os.WriteFile(filepath.Join(dir, "qr.png"), alone, 0o644)
	tb.Fatalf("no QR code read from the screenshots in %s: %v", dir, err)
	return ""
}
