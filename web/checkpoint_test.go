package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/qr"
)

// checkpointStack is a node with venues and checkpoints: a mall (green
// codes only) and a device token of its door.
type checkpointStack struct {
	*staffPages
	Scans *node.ScanService
	Venue *healthcode.Venue
	Token string // the door's checkpoint token
}

func newCheckpointStack(t testing.TB) *checkpointStack {
	t.Helper()
	s := newStaffPages(t)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	scans := &node.ScanService{Store: s.DB, Venues: s.Venues, Citizens: s.Citizens, Trust: s.Trust, Issued: s.Citizens.Issued,
		Log: node.NewScanLog(ctx, s.DB, time.Now, 1), Region: testRegion, Now: time.Now, Audit: s.Audit,
		Logger: s.Citizens.Logger, Metrics: s.Citizens.Metrics, Retention: 30 * 24 * time.Hour}
	s.Server.Checkpoints = scans
	v, err := s.Venues.Create(ctx, &healthcode.Venue{Name: "银泰百货（武林店）", Kind: healthcode.VenueMall, Division: "330106",
		Address: "延安路 530 号", Capacity: 500}, false)
	if err != nil {
		t.Fatal(err)
	}
	admin := &healthcode.Caller{Role: healthcode.RoleAdmin, TokenID: 1, Name: "admin"}
	token, _, err := s.Venues.CreateDevice(ctx, admin, v.ID, "1 号门")
	if err != nil {
		t.Fatal(err)
	}
	return &checkpointStack{staffPages: s, Scans: scans, Venue: v, Token: token}
}

// citizen signs a person up through the services (profile, declaration)
// and returns their id.
func (s *checkpointStack) citizen(t testing.TB, phone, idNumber string) int64 {
	t.Helper()
	ctx := context.Background()
	sent, err := s.Auth.RequestOTP(ctx, phone, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := s.Auth.CreateSession(ctx, phone, sent.DevOTP, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Auth.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Citizens.SaveProfile(ctx, c.PersonID, &healthcode.Profile{Name: "张三丰", IDType: healthcode.IDResident, IDNumber: idNumber}); err != nil {
		t.Fatal(err)
	}
	temp := 36.6
	if _, _, err := s.Citizens.Declare(ctx, c.PersonID, &healthcode.Declaration{Temperature: &temp, CaseContact: healthcode.ContactNo}); err != nil {
		t.Fatal(err)
	}
	return c.PersonID
}

// positiveTest imports a positive test of idNumber, as a lab's file.
func (s *checkpointStack) positiveTest(t testing.TB, idNumber string) {
	t.Helper()
	imp := &node.ImportService{Store: s.DB, PersonKey: s.DB.Box().PersonKey, Region: testRegion, Now: time.Now}
	csv := "id,id_number,sampled_at,result\nlab-1," + idNumber + "," + time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339) + ",positive\n"
	sum, err := imp.Import(context.Background(), "tests", "csv", strings.NewReader(csv))
	if err != nil || sum.Accepted != 1 {
		t.Fatalf("import: %+v %v", sum, err)
	}
}

// code issues a fresh code of person.
func (s *checkpointStack) code(t testing.TB, personID int64) *healthcode.IssuedCode {
	t.Helper()
	c, err := s.Citizens.Code(context.Background(), personID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCheckpointPage: a checkpoint token signs in on the staff sign-in
// page, lands on the checkpoint with its link in the navigation, and the
// page shows the venue, its policy and occupancy in both languages; the
// occupancy it polls answers JSON; other roles are refused.
func TestCheckpointPage(t *testing.T) {
	missingKeys.Clear()
	s := newCheckpointStack(t)
	for _, lang := range languages {
		c := s.client(t, browserLangs[lang])
		if p := c.get("/checkpoint"); p.Status != http.StatusSeeOther || p.Location != "/signin/staff?next=%2Fcheckpoint" {
			t.Fatalf("signed out /checkpoint: %d %q", p.Status, p.Location)
		}
		p := c.post("/signin/staff", url.Values{"token": {s.Token}, "next": {"/checkpoint"}, "remember": {"1"}})
		if p.Status != http.StatusSeeOther || p.Location != "/checkpoint" {
			t.Fatalf("POST /signin/staff: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		cookie := p.Header.Get("Set-Cookie")
		for _, want := range []string{"hc_session=" + s.Token, "HttpOnly", "SameSite=Lax", "Expires="} {
			if !strings.Contains(cookie, want) {
				t.Errorf("session cookie %q lacks %q", cookie, want)
			}
		}
		if p := c.get("/"); p.Location != "/checkpoint" {
			t.Errorf("home sends a checkpoint to %q", p.Location)
		}
		if p := c.get("/signin/staff"); p.Location != "/checkpoint" {
			t.Errorf("the staff sign-in sends a signed-in checkpoint to %q", p.Location)
		}
		p = c.get("/checkpoint")
		checkPage(t, lang, "/checkpoint", p, http.StatusOK)
		for _, want := range []string{`<a href="/checkpoint" aria-current="page">`, "银泰百货（武林店）", "延安路 530 号", "1 号门",
			`id="scan-code"`, `id="camera"`, `aria-live="assertive"`, `name="direction" value="in" checked`, `name="direction" value="out"`,
			`<strong id="occ-n">0</strong> / <span id="occ-cap">500</span>`, staticURL("checkpoint.js"), staticURL("jsqr.js"),
			`data-policy="{&#34;colours&#34;:[&#34;green&#34;]`, `<li data-code="colour_not_allowed">`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("%s: /checkpoint lacks %s", lang, want)
			}
		}
		words := map[string][]string{"zh": {"通过", "禁止通行", "准入：", "绿码", "健康码颜色不符合本场所要求"},
			"en": {"Pass", "Deny", "Admits:", "Green code", "This venue does not admit this colour"}}[lang]
		for _, w := range words {
			if !strings.Contains(p.Body, w) {
				t.Errorf("%s: /checkpoint lacks %q", lang, w)
			}
		}
		p = c.do("GET", "/api/v1/venues/"+s.Venue.ID+"/occupancy", nil)
		var occ struct{ Occupancy, Capacity int }
		if p.Status != http.StatusOK || json.Unmarshal([]byte(p.Body), &occ) != nil || occ.Capacity != 500 || occ.Occupancy != 0 {
			t.Errorf("the venue's occupancy with the checkpoint's cookie: %d %s", p.Status, p.Body)
		}
		// The page's scripts call the API with the cookie: same-origin.
		p = c.do("GET", "/api/v1/checkpoint", nil)
		if p.Status != http.StatusOK || !strings.Contains(p.Body, s.Venue.ID) {
			t.Errorf("GET /api/v1/checkpoint with the cookie: %d %s", p.Status, p.Body)
		}
		p = c.post("/signout", url.Values{})
		if p.Status != http.StatusSeeOther || p.Location != "/signin/staff" {
			t.Errorf("sign-out: %d %q", p.Status, p.Location)
		}
		if p := c.get("/checkpoint"); p.Status != http.StatusSeeOther {
			t.Errorf("after sign-out /checkpoint: %d", p.Status)
		}
	}
	// A citizen and a venue operator may not open it.
	cz := s.client(t, browserLangs["en"])
	cz.signIn("13800138000")
	if p := cz.get("/checkpoint"); p.Status != http.StatusForbidden {
		t.Errorf("a citizen opens /checkpoint: %d", p.Status)
	}
	op := s.staffClient(t, s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleVenue, Name: "前台", VenueID: s.Venue.ID}), browserLangs["en"])
	if p := op.get("/checkpoint"); p.Status != http.StatusForbidden {
		t.Errorf("a venue operator opens /checkpoint: %d", p.Status)
	}
	other := s.staffClient(t, s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleCheckpoint, Name: "别处", VenueID: "V999999"}), browserLangs["en"])
	if p := other.do("GET", "/api/v1/venues/"+s.Venue.ID+"/occupancy", nil); p.Status != http.StatusForbidden {
		t.Errorf("another venue's checkpoint reads this one's occupancy: %d", p.Status)
	}
	wantNoMissingKeys(t)
}

// signInCheckpoint signs the device in through the staff sign-in page.
func signInCheckpoint(t *testing.T, ctx context.Context, base, token string) {
	t.Helper()
	do(t, ctx, "open the staff sign-in from the sign-in page",
		chromedp.Navigate(base+"/signin"), chromedp.WaitVisible(`a[href="/signin/staff"]`),
		chromedp.Click(`a[href="/signin/staff"]`), chromedp.WaitVisible("#token"))
	do(t, ctx, "paste the token",
		chromedp.SendKeys("#token", token),
		chromedp.Click(`input[name="remember"]`),
		chromedp.Click(`form[action="/signin/staff"] button[type=submit]`),
		chromedp.WaitVisible(`nav a[href="/checkpoint"]`), chromedp.WaitVisible("#scan-code"))
}

// scanByKeyboard types code and Enter into the focused field, as a USB
// scanner does, and waits for the verdict.
func scanByKeyboard(t *testing.T, ctx context.Context, code, verdict string) {
	t.Helper()
	do(t, ctx, "scan "+verdict, chromedp.SendKeys("#scan-code", code+"\r"), chromedp.WaitVisible("#result.cp-"+verdict))
}

// nextScan presses Enter in the empty field: back to scanning.
func nextScan(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "back to scanning", chromedp.SendKeys("#scan-code", "\r"), chromedp.WaitNotVisible("#result"))
}

// TestBrowserCheckpoint is issue 8's checkpoint test in chromium: a
// green code typed in as a USB scanner does shows pass; a red code (a
// positive test imported) shows deny with the reason in words; with the
// node unreachable a code is judged in the browser from the cached trust
// list and queued, and uploaded when the node answers again.
func TestBrowserCheckpoint(t *testing.T) {
	start := time.Now()
	chromiumPath(t)
	s := newCheckpointStack(t)
	green := s.citizen(t, "13800138000", "11010519491231002X")
	red := s.citizen(t, "13900139000", "33010619900101123X")
	s.positiveTest(t, "33010619900101123X")
	ctx := newBrowser(t, 360, 800)
	signInCheckpoint(t, ctx, s.HTTP.URL, s.Token)
	// The device's cache is filled before the node goes away.
	do(t, ctx, "cache the trust list and the policy", chromedp.Poll[chromedp.Void](
		`Object.keys(localStorage).some(k => k.endsWith(".trust")) && Object.keys(localStorage).some(k => k.endsWith(".checkpoint"))`))

	scanByKeyboard(t, ctx, s.code(t, green).Code, "pass")
	word := run(t, ctx, "read the verdict", chromedp.Text("#result-word"))
	holder := run(t, ctx, "read the holder", chromedp.Text("#result-holder"))
	said := run(t, ctx, "read the live region", chromedp.TextContent("#live"))
	if word != "通过" || !strings.Contains(holder, "张*丰") || !strings.Contains(holder, "绿码") || !strings.Contains(said, "通过") {
		t.Errorf("pass: %q %q, said %q", word, holder, said)
	}
	do(t, ctx, "occupancy counts the entry", chromedp.Poll[chromedp.Void](`document.getElementById("occ-n").textContent === "1"`))
	nextScan(t, ctx)

	code := s.code(t, red)
	if code.Colour != healthcode.Red {
		t.Fatalf("after a positive test the code is %v", code.Colour)
	}
	scanByKeyboard(t, ctx, code.Code, "deny")
	word = run(t, ctx, "read the verdict", chromedp.Text("#result-word"))
	reasons := run(t, ctx, "read the reasons", chromedp.Text("#result-reasons"))
	if word != "禁止通行" || !strings.Contains(reasons, "健康码颜色不符合本场所要求") {
		t.Errorf("deny: %q, reasons %q", word, reasons)
	}
	nextScan(t, ctx)

	// Offline: the node's scan routes fail as an unplugged network does.
	block := func(on bool) {
		t.Helper()
		var patterns []*network.BlockPattern
		if on {
			patterns = []*network.BlockPattern{{URLPattern: s.HTTP.URL + "/api/v1/scans*", Block: true}}
		}
		do(t, ctx, "block the scan routes", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
				return chromedp.Void{}, err
			}
			_, err := cdp.Call(ctx, tg, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: patterns})
			return chromedp.Void{}, err
		})
	}
	block(true)
	scanByKeyboard(t, ctx, s.code(t, green).Code, "pass")
	note := run(t, ctx, "read the note", chromedp.Text("#result-note"))
	queued := run(t, ctx, "read the queue", chromedp.Text("#net-queue"))
	if !strings.Contains(note, "离线核验") || !strings.Contains(queued, "1 条待上传") {
		t.Errorf("offline pass: note %q, queue %q", note, queued)
	}
	nextScan(t, ctx)
	scanByKeyboard(t, ctx, s.code(t, red).Code, "deny")
	reasons = run(t, ctx, "read the reasons", chromedp.Text("#result-reasons"))
	if !strings.Contains(reasons, "健康码颜色不符合本场所要求") {
		t.Errorf("offline deny: reasons %q", reasons)
	}
	nextScan(t, ctx)
	scanByKeyboard(t, ctx, "CNHC1:NOT+A+CODE", "deny")
	reasons = run(t, ctx, "read the reasons", chromedp.Text("#result-reasons"))
	if !strings.Contains(reasons, "无法识别的二维码") {
		t.Errorf("offline malformed: reasons %q", reasons)
	}
	nextScan(t, ctx)

	block(false)
	do(t, ctx, "upload when back", chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event("online"))`),
		chromedp.Poll[chromedp.Void](`document.getElementById("net-queue").textContent === ""`))
	scans, err := s.DB.VenueScans(context.Background(), s.Venue.ID, healthcode.ScanWindow{From: start.Add(-time.Minute), To: time.Now().Add(time.Minute), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var offline []string
	for _, sc := range scans {
		if sc.Source == healthcode.ScanOffline {
			offline = append(offline, sc.Verdict+":"+strings.Join(sc.Reasons, ","))
			if sc.Seq <= 0 || sc.ClockSkew {
				t.Errorf("offline scan %+v", sc)
			}
		}
	}
	if strings.Join(offline, " ") != "pass: deny:colour_not_allowed,action_required deny:malformed" &&
		strings.Join(offline, " ") != "pass: deny:colour_not_allowed deny:malformed" {
		t.Errorf("offline scans uploaded: %q", offline)
	}
	t.Logf("checkpoint: pass, deny, offline and upload in %v", time.Since(start).Round(time.Millisecond))
}

// TestBrowserCheckpointCamera: Chromium's fake camera plays a video of a
// green code's QR; the page decodes a frame and shows pass.
func TestBrowserCheckpointCamera(t *testing.T) {
	start := time.Now()
	chromiumPath(t)
	s := newCheckpointStack(t)
	person := s.citizen(t, "13800138000", "11010519491231002X")
	video := filepath.Join(t.TempDir(), "code.y4m")
	writeY4M(t, video, s.code(t, person).Code)
	ctx := newBrowser(t, 360, 800,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video))
	signInCheckpoint(t, ctx, s.HTTP.URL, s.Token)
	do(t, ctx, "scan with the camera", chromedp.Click("#camera"), chromedp.WaitVisible("#camera-video"),
		chromedp.WaitVisible("#result.cp-pass"))
	holder := run(t, ctx, "read the holder", chromedp.Text("#result-holder"))
	if !strings.Contains(holder, "张*丰") {
		t.Errorf("camera pass: %q", holder)
	}
	t.Logf("camera scan in %v", time.Since(start).Round(time.Millisecond))
}

// writeY4M writes a short YUV4MPEG2 video (4:2:0, 640×480) whose frames
// all show the QR of code on white, for --use-file-for-fake-video-capture.
func writeY4M(t testing.TB, path, code string) {
	t.Helper()
	b, err := qr.PNG(code, 1)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	const w, h = 640, 480
	luma := make([]byte, w*h)
	for i := range luma {
		luma[i] = 0xff
	}
	bounds := img.Bounds()
	scale := 420 / bounds.Dy() // whole pixels a module
	x0, y0 := (w-bounds.Dx()*scale)/2, (h-bounds.Dy()*scale)/2
	for y := 0; y < bounds.Dy()*scale; y++ {
		for x := 0; x < bounds.Dx()*scale; x++ {
			r, g, bl, _ := img.At(bounds.Min.X+x/scale, bounds.Min.Y+y/scale).RGBA()
			luma[(y0+y)*w+x0+x] = byte((299*r + 587*g + 114*bl) / 1000 >> 8)
		}
	}
	chroma := bytes.Repeat([]byte{0x80}, w/2*h/2)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	out := bufio.NewWriter(f)
	fmt.Fprintf(out, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for range 10 {
		out.WriteString("FRAME\n")
		out.Write(luma)
		out.Write(chroma)
		out.Write(chroma)
	}
	if err := out.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkpointScreenshots adds the staff sign-in and the checkpoint to
// TestScreenshots, on a node of their own in the same browser: the
// sign-in, a refused token, the page scanning, a pass, a deny, and a
// scan judged offline.
func checkpointScreenshots(t *testing.T, ctx context.Context, write func(name string)) {
	t.Helper()
	s := newCheckpointStack(t)
	person := s.citizen(t, "13800138000", "11010519491231002X")
	red := s.citizen(t, "13900139000", "33010619900101123X")
	s.positiveTest(t, "33010619900101123X")
	// People inside, for the occupancy.
	now := time.Now()
	var inside []*healthcode.Scan
	for i := range 37 {
		inside = append(inside, &healthcode.Scan{VenueID: s.Venue.ID, Source: healthcode.ScanOnline, Direction: healthcode.DirectionIn,
			Region: testRegion, Subject: fmt.Appendf(nil, "subject-%08d", i), Colour: healthcode.Green, Verdict: healthcode.VerdictPass,
			At: now.Add(-time.Duration(i) * time.Minute)})
	}
	if _, err := s.DB.RecordScans(context.Background(), inside, now); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "staff sign-in in Chinese", chromedp.Navigate(s.HTTP.URL+"/lang/zh?next=/signin/staff"), chromedp.WaitVisible("#token"))
	write("signin-staff")
	do(t, ctx, "a refused token", chromedp.SendKeys("#token", "hct_wrong"),
		chromedp.Click(`form[action="/signin/staff"] button[type=submit]`), chromedp.WaitVisible(".field-error"))
	write("signin-staff-error")
	signInCheckpoint(t, ctx, s.HTTP.URL, s.Token)
	do(t, ctx, "the occupancy", chromedp.Poll[chromedp.Void](`document.getElementById("occ-n").textContent === "37"`))
	write("checkpoint")
	// The verdict covers the screen (position: fixed): the window is made
	// as tall as the page for its picture.
	whole := func(name string) {
		t.Helper()
		size := run(t, ctx, "window size", chromedp.Evaluate[[]int64](`[innerWidth, innerHeight, document.documentElement.scrollHeight]`))
		do(t, ctx, "a window as tall as the page", chromedp.EmulateViewport(size[0], max(size[1], size[2])))
		write(name)
		do(t, ctx, "the window again", chromedp.EmulateViewport(size[0], size[1]))
	}
	scanByKeyboard(t, ctx, s.code(t, person).Code, "pass")
	whole("checkpoint-pass")
	nextScan(t, ctx)
	scanByKeyboard(t, ctx, s.code(t, red).Code, "deny")
	whole("checkpoint-deny")
	nextScan(t, ctx)
}
