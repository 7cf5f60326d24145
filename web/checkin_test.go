package web

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/healthcode/healthcode"
)

// checkinStack is a checkpoint stack whose pages check citizens in, with
// the place code of its mall and of a railway station that asks for a
// negative test of the last 72 hours.
type checkinStack struct {
	*checkpointStack
	MallCode    string
	Station     *healthcode.Venue
	StationCode string
}

func newCheckinStack(t testing.TB) *checkinStack {
	t.Helper()
	s := newCheckpointStack(t)
	s.Server.Pages.(*Handler).Checkins = s.Scans
	ctx := context.Background()
	station, err := s.Venues.Create(ctx, &healthcode.Venue{Name: "杭州东站", Kind: healthcode.VenueRailway, Division: "330104",
		Address: "天城路 1 号"}, false)
	if err != nil {
		t.Fatal(err)
	}
	cs := &checkinStack{checkpointStack: s, Station: station}
	if cs.MallCode, err = s.Venues.PlaceCode(ctx, s.Venue); err != nil {
		t.Fatal(err)
	}
	if cs.StationCode, err = s.Venues.PlaceCode(ctx, station); err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestCheckinPage: a citizen checks in at a venue by its place code on
// /me/checkin, in Chinese and English: the form is linked from the
// navigation; an empty field, a health code, a broken code are refused
// beside the field in words; before a declaration the page says to
// declare; a pass names the venue and the colour in words; a venue asking
// for a test denies with the reason in words; the check-in is in the scan
// log. Staff may not open the page.
func TestCheckinPage(t *testing.T) {
	missingKeys.Clear()
	s := newCheckinStack(t)
	ctx := context.Background()
	start := time.Now()
	for i, lang := range languages {
		c := s.client(t, browserLangs[lang])
		if p := c.get("/me/checkin"); p.Status != http.StatusSeeOther || p.Location != "/signin?next=%2Fme%2Fcheckin" {
			t.Fatalf("signed out /me/checkin: %d %q", p.Status, p.Location)
		}
		phone := []string{"13800138000", "13900139000"}[i]
		c.signIn(phone)
		p := c.get("/me/checkin")
		checkPage(t, lang, "/me/checkin", p, http.StatusOK)
		for _, want := range []string{`<a href="/me/checkin" aria-current="page">`, `<form method="post" action="/me/checkin"`,
			`<label for="f-place-code">`, `id="ci-camera"`, `name="direction" value="in" checked`,
			staticURL("camera.js"), staticURL("jsqr.js"), staticURL("checkin.js")} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("%s: /me/checkin lacks %s", lang, want)
			}
		}
		// Before a profile and a declaration: declare first.
		p = c.post("/me/checkin", url.Values{"place_code": {s.MallCode}})
		checkPage(t, lang, "POST /me/checkin (no declaration)", p, http.StatusConflict)
		if !strings.Contains(p.Body, `href="/me/declare"`) || !strings.Contains(p.Body, map[string]string{"zh": "完成健康申报", "en": "health declaration"}[lang]) {
			t.Errorf("%s: no way to the declaration:\n%s", lang, p.Body)
		}
		id := []string{"11010519491231002X", "33010619900101123X"}[i]
		if p := c.post("/me/profile", url.Values{"name": {"张三丰"}, "id_type": {"resident_id"}, "id_number": {id}}); p.Status != http.StatusSeeOther {
			t.Fatalf("POST /me/profile: %d\n%s", p.Status, p.Body)
		}
		if p := c.post("/me/declare", url.Values{"temperature": {"36.6"}, "case_contact": {"no"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("POST /me/declare: %d\n%s", p.Status, p.Body)
		}
		personID, err := s.DB.FindPersonByIDNumber(ctx, id)
		if err != nil {
			t.Fatal(err)
		}

		// Refused codes, beside the field.
		// A place code cut short or mistyped is said to be unreadable,
		// not to be no place code.
		words := map[string][4]string{
			"zh": {"必填", "这是健康码，不是场所码", "无法读取或核验这个场所码", "这不是场所码"},
			"en": {"required", "This is a health code, not a place code", "This place code cannot be read or checked", "This is not a place code"},
		}[lang]
		for j, code := range []string{" ", s.code(t, personID).Code, "CNPC1:NOT+A+CODE", "WIFI:S:guest;;"} {
			p = c.post("/me/checkin", url.Values{"place_code": {code}})
			checkPage(t, lang, "POST /me/checkin (refused)", p, http.StatusBadRequest)
			wantFieldError(t, p, "place_code", words[j])
		}

		// A pass at the mall.
		p = c.post("/me/checkin", url.Values{"place_code": {s.MallCode}, "direction": {"in"}})
		checkPage(t, lang, "POST /me/checkin", p, http.StatusOK)
		pass := map[string][]string{"zh": {"通过", "绿码", "进场", "请向场所工作人员出示本页"},
			"en": {"Pass", "Green code", "Entering", "Show this page to the staff"}}[lang]
		for _, want := range append(pass, `class="ci-result ci-pass"`, `<span class="ci-mark" aria-hidden="true">✓</span>`,
			"银泰百货（武林店）", "延安路 530 号", `id="ci-clock"`) {
			if !strings.Contains(p.Body, want) {
				t.Errorf("%s: the check-in's answer lacks %s", lang, want)
			}
		}
		if strings.Contains(p.Body, s.MallCode) {
			t.Errorf("%s: the field is not emptied for the next venue", lang)
		}
		// A deny at the station: no recent test, said in words.
		p = c.post("/me/checkin", url.Values{"place_code": {s.StationCode}})
		checkPage(t, lang, "POST /me/checkin (deny)", p, http.StatusOK)
		deny := map[string][]string{"zh": {"禁止进入", "杭州东站", "核酸"}, "en": {"Denied", "杭州东站", "test"}}[lang]
		for _, want := range append(deny, `class="ci-result ci-deny"`, `<span class="ci-mark" aria-hidden="true">✕</span>`, `<ul class="ci-reasons"><li>`) {
			if !strings.Contains(p.Body, want) {
				t.Errorf("%s: the deny lacks %s:\n%s", lang, want, between(p.Body, `id="ci-result"`, "</section>"))
			}
		}
		// Leaving.
		p = c.post("/me/checkin", url.Values{"place_code": {s.MallCode}, "direction": {"out"}})
		if !strings.Contains(p.Body, map[string]string{"zh": "离场", "en": "Leaving"}[lang]) || !strings.Contains(p.Body, `value="out" checked`) {
			t.Errorf("%s: leaving is not said or not kept", lang)
		}
		// The citizen's records list the three check-ins, the last first.
		p = c.get("/me/records")
		checkPage(t, lang, "/me/records", p, http.StatusOK)
		scans := between(p.Body, `id="scans-h"`, "</section>")
		want := map[string][]string{"zh": {"自助签到", "离场", "禁止通行", "通过"}, "en": {"Self check-in", "Leaving", "Deny", "Pass"}}[lang]
		for _, w := range append(want, s.Venue.ID) {
			if !strings.Contains(scans, w) {
				t.Errorf("%s: the records' scans lack %s:\n%s", lang, w, scans)
			}
		}
		if n := strings.Count(scans, "<tr>") - 1; n != 3 {
			t.Errorf("%s: %d scans in the records, want 3:\n%s", lang, n, scans)
		}
		if first, last := strings.Index(scans, map[string]string{"zh": "离场", "en": "Leaving"}[lang]), strings.LastIndex(scans, map[string]string{"zh": "进场", "en": "Entering"}[lang]); first < 0 || first > last {
			t.Errorf("%s: the records' scans are not newest first:\n%s", lang, scans)
		}
	}
	// Both citizens' check-ins are in the mall's scan log.
	scans, err := s.DB.VenueScans(ctx, s.Venue.ID, healthcode.ScanWindow{From: start.Add(-time.Minute), To: time.Now().Add(time.Minute), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sc := range scans {
		if sc.Source == healthcode.ScanCheckin {
			got = append(got, sc.Direction+":"+sc.Verdict)
		}
	}
	if len(got) != 4 {
		t.Errorf("check-ins logged at the mall: %q", got)
	}
	// A checkpoint's token may not check people in.
	cp := s.staffClient(t, s.Token, browserLangs["en"])
	if p := cp.get("/me/checkin"); p.Status != http.StatusForbidden {
		t.Errorf("a checkpoint opens /me/checkin: %d", p.Status)
	}
	wantNoMissingKeys(t)
}

// TestBrowserCheckinCamera: a citizen signs in, declares and opens the
// check-in from the navigation; Chromium's fake camera plays a video of
// the mall's poster QR; the page reads it, checks in and shows pass with
// the venue.
func TestBrowserCheckinCamera(t *testing.T) {
	start := time.Now()
	chromiumPath(t)
	s := newCheckinStack(t)
	video := filepath.Join(t.TempDir(), "place.y4m")
	writeY4M(t, video, s.MallCode)
	ctx := newBrowser(t, 360, 800,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video))
	citizenJourney(t, ctx, s.HTTP.URL, "13800138000", "11010519491231002X", nil)
	do(t, ctx, "open the check-in from the navigation", chromedp.Click(`nav a[href="/me/checkin"]`), chromedp.WaitVisible("#ci-camera"))
	do(t, ctx, "scan the poster with the camera", chromedp.Click("#ci-camera"), chromedp.WaitVisible("#ci-result.ci-pass"))
	venue := run(t, ctx, "read the venue", chromedp.Text(".ci-venue"))
	verdict := run(t, ctx, "read the verdict", chromedp.Text("#ci-verdict"))
	if venue != "银泰百货（武林店）" || !strings.Contains(verdict, "通过") {
		t.Errorf("camera check-in: %q, %q", venue, verdict)
	}
	// The clock ticks under the CSP.
	clock1 := run(t, ctx, "read the clock", chromedp.Text("#ci-clock"))
	do(t, ctx, "wait a second", chromedp.Sleep(1100*time.Millisecond))
	if clock2 := run(t, ctx, "read the clock", chromedp.Text("#ci-clock")); clock1 == clock2 {
		t.Errorf("the clock does not tick: %q", clock2)
	}
	t.Logf("camera check-in in %v", time.Since(start).Round(time.Millisecond))
}

// checkinScreenshots adds the check-in to TestScreenshots, on a node of
// its own: the form, a pass at the mall and a deny at the station.
func checkinScreenshots(t *testing.T, ctx context.Context, write func(name string)) {
	t.Helper()
	s := newCheckinStack(t)
	forgetSession(t, ctx)
	do(t, ctx, "Chinese", chromedp.Navigate(s.HTTP.URL+"/lang/zh?next=/signin"), chromedp.WaitVisible("#phone"))
	citizenJourney(t, ctx, s.HTTP.URL, "13800138000", "11010519491231002X", nil)
	do(t, ctx, "open the check-in", chromedp.Click(`nav a[href="/me/checkin"]`), chromedp.WaitVisible("#ci-camera"))
	write("checkin")
	for _, c := range []struct{ code, verdict, name string }{{s.MallCode, "pass", "checkin-pass"}, {s.StationCode, "deny", "checkin-deny"}} {
		do(t, ctx, "paste a place code", chromedp.SetValue("#f-place-code", c.code),
			chromedp.Click(`form[action="/me/checkin"] button[type=submit]`), chromedp.WaitVisible("#ci-result.ci-"+c.verdict))
		write(c.name)
	}
}
