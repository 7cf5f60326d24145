package web

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// signInStaff signs a browser in through the staff sign-in page with
// token, after forgetting any session it had.
func signInStaff(t *testing.T, ctx context.Context, base, token, landing string) {
	t.Helper()
	forgetSession(t, ctx)
	do(t, ctx, "open the staff sign-in", chromedp.Navigate(base+"/signin/staff"), chromedp.WaitVisible("#token"))
	do(t, ctx, "paste the token",
		chromedp.SendKeys("#token", token),
		chromedp.Click(`form[action="/signin/staff"] button[type=submit]`),
		chromedp.WaitVisible(`nav a[href="`+landing+`"]`))
}

// importThroughPage uploads a records file on /health/imports and waits
// until its recompute job is done on the job's page.
func importThroughPage(t *testing.T, ctx context.Context, kind, file string) {
	t.Helper()
	do(t, ctx, "open the imports from the navigation",
		chromedp.Click(`nav a[href="/health/imports"]`), chromedp.WaitVisible("#f-file"))
	do(t, ctx, "upload the file",
		chromedp.SetValue("#f-kind", kind),
		chromedp.SetUploadFiles("#f-file", []string{file}),
		chromedp.Click(`form[action="/health/imports"] button[type=submit]`),
		chromedp.WaitVisible(`a[href^="/health/jobs/"]`))
}

// TestBrowserImportTurnsCitizenRed is issue 8's browser test of the
// health pages: in chromium, health staff sign in with their token and
// import a positive test through /health/imports; the job's page follows
// the recompute to its end; the citizen's "my code", reloaded, is red.
func TestBrowserImportTurnsCitizenRed(t *testing.T) {
	start := time.Now()
	s := newStaffPages(t)
	citizen := newBrowser(t, 360, 800)
	citizenJourney(t, citizen, s.HTTP.URL, "13800138000", "11010519491231002X", nil)
	if band := run(t, citizen, "read the band", chromedp.Text(".band")); !strings.Contains(band, "绿码") {
		t.Fatalf("band %q before the import", band)
	}

	staff := newBrowser(t, 1280, 800)
	health := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleHealth, Name: "西湖区疾控"})
	signInStaff(t, staff, s.HTTP.URL, health, "/health/imports")
	file := filepath.Join(t.TempDir(), "lab.csv")
	if err := os.WriteFile(file, []byte(positiveTest("t-1", "11010519491231002X")), 0o644); err != nil {
		t.Fatal(err)
	}
	importThroughPage(t, staff, "tests", file)
	if accepted := run(t, staff, "read the summary", chromedp.Text("#sum-h + dl dd:nth-of-type(2)")); accepted != "1" {
		t.Errorf("accepted %q, want 1", accepted)
	}
	do(t, staff, "follow the job until it is done",
		chromedp.Click(`a[href^="/health/jobs/"]`),
		chromedp.WaitVisible(".state-done"))

	do(t, citizen, "reload my code", chromedp.Reload(), chromedp.WaitVisible(".code-red"))
	band := run(t, citizen, "read the band", chromedp.Text(".band"))
	if !strings.Contains(band, "红码") || !strings.Contains(band, "Red code") {
		t.Errorf("band %q after the import: the colour is not named in words", band)
	}
	t.Logf("imported through the page and turned red in %v", time.Since(start).Round(time.Millisecond))
}

// staffScreenshots is TestScreenshots' part of the staff pages, on a node
// of their own in the same browser: a venue's operator, health staff and
// an admin, each signed in with their token.
func staffScreenshots(t *testing.T, ctx context.Context, write func(name string)) {
	t.Helper()
	s := newStaffPages(t)
	s.colourHistory(t, 14) // the dashboard's colour history over its 14 days
	v := s.busyVenue(t)
	s.venue(t, "西湖文化广场", 0)
	c := s.client(t, browserLangs["zh"])
	c.signIn("13700137000")
	c.post("/me/profile", url.Values{"name": {"王小明"}, "id_type": {"resident_id"}, "id_number": {"11010519491231002X"}})
	c.post("/me/declare", url.Values{"temperature": {"36.6"}, "case_contact": {"no"}})
	c.post("/me/appeals", url.Values{"reason": {"我 11 月 25 日的核酸结果是阴性，请核实。"}})

	do(t, ctx, "Chinese", chromedp.Navigate(s.HTTP.URL+"/lang/zh?next=/signin/staff"), chromedp.WaitVisible("#token"))
	operator := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleVenue, Name: "银泰前台", VenueID: v.ID})
	signInStaff(t, ctx, s.HTTP.URL, operator, "/venues")
	write("venues")
	do(t, ctx, "a venue", chromedp.Click(`a[href="/venues/`+v.ID+`"]`), chromedp.WaitVisible("svg.chart"))
	write("venue")

	health := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleHealth, Name: "西湖区疾控"})
	signInStaff(t, ctx, s.HTTP.URL, health, "/health")
	do(t, ctx, "the dashboard", chromedp.Navigate(s.HTTP.URL+"/health"), chromedp.WaitVisible("svg.chart"))
	write("health")
	file := filepath.Join(t.TempDir(), "lab.csv")
	content := positiveTest("t-1", "11010519491231002X") + "t-2,11010519491231002Y,2026-11-20T08:00:00+08:00,,positive,西湖检测\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	importThroughPage(t, ctx, "tests", file)
	write("health-import")
	do(t, ctx, "the job", chromedp.Click(`a[href^="/health/jobs/"]`),
		chromedp.WaitVisible(".state-done"))
	write("health-job")
	do(t, ctx, "risk areas", chromedp.Click(`nav a[href="/health/risk-areas"]`), chromedp.WaitVisible("#f-areas"),
		chromedp.SetValue("#f-areas", "330106,文三路街道,high,2026-11-20,\n330108,长河街道,medium,2026-11-22,2026-11-29\n"),
		chromedp.Click(`form[action="/health/risk-areas"] button[type=submit]`), chromedp.WaitVisible(".notice"))
	write("health-risk-areas")
	do(t, ctx, "appeals", chromedp.Click(`nav a[href="/health/appeals"]`), chromedp.WaitVisible("#f-purpose"),
		chromedp.SendKeys("#f-purpose", "申诉审核"), chromedp.Click(`form[action="/health/appeals"] button[type=submit]`),
		chromedp.WaitVisible(".queue"))
	write("health-appeals")
	do(t, ctx, "a person, without a purpose", chromedp.Click(`nav a[href="/health/persons"]`), chromedp.WaitVisible("#f-id-number"),
		chromedp.SendKeys("#f-id-number", "11010519491231002X"),
		chromedp.Click(`form[action="/health/persons"] button[type=submit]`), chromedp.WaitVisible(".field-error"))
	write("health-persons-purpose")
	do(t, ctx, "a person, with one", chromedp.SendKeys("#f-purpose", "流调核查 2026-118"),
		chromedp.Click(`form[action="/health/persons"] button[type=submit]`), chromedp.WaitVisible("#person-h"))
	write("health-persons")
	do(t, ctx, "a trace", chromedp.Click(`nav a[href="/health/traces"]`), chromedp.WaitVisible("#f-id-number"),
		chromedp.SendKeys("#f-id-number", "11010519491231002X"),
		chromedp.Click(`form[action="/health/traces"] button[type=submit]`), chromedp.WaitVisible("#f-purpose"))
	do(t, ctx, "its findings", chromedp.SendKeys("#f-purpose", "流调 2026-118"),
		chromedp.Click(`form[action^="/health/traces/"] button[type=submit]`), chromedp.WaitVisible("#found-h"))
	write("health-trace")

	admin := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleAdmin, Name: "运维"})
	signInStaff(t, ctx, s.HTTP.URL, admin, "/admin")
	do(t, ctx, "a new token", chromedp.Navigate(s.HTTP.URL+"/admin"), chromedp.WaitVisible("#f-role"),
		chromedp.SetValue("#f-role", "checkpoint"), chromedp.SendKeys("#f-name", "银泰 1 号门"), chromedp.SendKeys("#f-venue", v.ID),
		chromedp.Click(`form[action="/admin/tokens"] button[type=submit]`), chromedp.WaitVisible(".once"))
	write("admin")
	do(t, ctx, "English", chromedp.Click(`a.lang`), chromedp.WaitVisible(`html[lang="en"] h1`))
	write("admin-en")
}

// busyVenue is a mall with a day of entries, exits and denials.
func (s *staffPages) busyVenue(t testing.TB) *healthcode.Venue {
	t.Helper()
	v, err := s.Venues.Create(context.Background(), &healthcode.Venue{Name: "银泰百货（武林店）", Kind: healthcode.VenueMall,
		Division: "330103", Address: "延安路 530 号", Capacity: 400}, false)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var scans []*healthcode.Scan
	n := 0
	for h := 23; h >= 0; h-- {
		hour := now.Truncate(time.Hour).Add(-time.Duration(h) * time.Hour)
		local := hour.In(zone).Hour()
		// A shop's day: quiet at night, busy at noon and in the evening.
		per := []int{1, 0, 0, 0, 0, 0, 1, 3, 6, 10, 14, 18, 22, 18, 15, 14, 16, 20, 24, 22, 16, 10, 5, 2}[local]
		for i := range per {
			at := hour.Add(time.Duration(i) * time.Hour / time.Duration(per+1))
			if at.After(now) {
				break
			}
			n++
			colour, verdict, reasons := healthcode.Green, healthcode.VerdictPass, []string(nil)
			switch {
			case n%17 == 0:
				colour, verdict, reasons = healthcode.Red, healthcode.VerdictDeny, []string{healthcode.DenyColour}
			case n%23 == 0:
				colour, verdict, reasons = healthcode.Green, healthcode.VerdictDeny, []string{healthcode.DenyExpired}
			case n%9 == 0:
				colour = healthcode.Yellow
			}
			scans = append(scans, &healthcode.Scan{VenueID: v.ID, Source: healthcode.ScanOnline, Direction: healthcode.DirectionIn,
				Region: testRegion, Subject: fmt.Appendf(nil, "visitor-%06d", n), Colour: colour, Verdict: verdict, Reasons: reasons, At: at})
		}
	}
	if _, err := s.DB.RecordScans(context.Background(), scans, now); err != nil {
		t.Fatal(err)
	}
	return v
}
