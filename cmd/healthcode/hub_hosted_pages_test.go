package main

import (
	"bytes"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/qr"
	"github.com/healthcode/healthcode/trust"
	"github.com/healthcode/healthcode/verify"
)

// The two regions of mode national the page tests host.
const (
	urumqi = "CN-650100" // 乌鲁木齐市
	lhasa  = "CN-540100" // 拉萨市
)

// hostRegions registers urumqi and lhasa as national and hosts them.
func (h *hostedHub) hostRegions(t *testing.T) {
	t.Helper()
	runCommand(t, append([]string{"hub", "region", "add", "--id", urumqi, "--name", "乌鲁木齐市", "--mode", "national"}, h.store...)...)
	runCommand(t, append([]string{"hub", "region", "add", "--id", lhasa, "--name", "拉萨市", "--mode", "national"}, h.store...)...)
	if err := h.hosted.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// verifier reads the hub's signed trust list, as a verifier of national
// codes does.
func (h *hostedHub) verifier(t *testing.T) *verify.Verifier {
	t.Helper()
	resp, err := http.Get(h.url + "/hub/v1/trust")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	l, err := trust.Parse(body, h.hosted.HubKey)
	if err != nil {
		t.Fatalf("the hub's trust list: %v", err)
	}
	v, err := verify.NewVerifier(l)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// pageClient is a browser without script for a hub's pages: a cookie jar,
// redirects not followed, a language asked for.
type pageClient struct {
	t    *testing.T
	hub  string
	lang string // Accept-Language
	c    *http.Client
}

type pageAnswer struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func newPageClient(t *testing.T, hubURL, lang string) *pageClient {
	jar, _ := cookiejar.New(nil)
	return &pageClient{t: t, hub: hubURL, lang: lang, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do requests path (on the hub, prefix included) with the form, if any,
// and extra headers.
func (c *pageClient) do(method, path string, form url.Values, header ...string) pageAnswer {
	c.t.Helper()
	var body io.Reader = http.NoBody
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.hub+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", c.lang)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return pageAnswer{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b), Header: resp.Header}
}

func (c *pageClient) get(path string) pageAnswer { c.t.Helper(); return c.do("GET", path, nil) }

// signIn signs phone in through region's sign-in page with the dev
// password it shows, and returns the session cookie set.
func (c *pageClient) signIn(region, phone string) *http.Cookie {
	c.t.Helper()
	base := "/regions/" + region
	p := c.do("POST", base+"/signin/otp", url.Values{"phone": {phone}, "next": {"/me/code"}})
	if p.Status != http.StatusOK {
		c.t.Fatalf("POST %s/signin/otp: %d\n%s", base, p.Status, p.Body)
	}
	otp := pageBetween(p.Body, "<output>", "</output>")
	if len(otp) != 6 {
		c.t.Fatalf("no dev password on the page:\n%s", p.Body)
	}
	p = c.do("POST", base+"/signin", url.Values{"phone": {phone}, "otp": {otp}, "next": {"/me/code"}})
	if p.Status != http.StatusSeeOther || p.Location != base+"/me/code" {
		c.t.Fatalf("POST %s/signin: %d %q\n%s", base, p.Status, p.Location, p.Body)
	}
	for _, ck := range (&http.Response{Header: p.Header}).Cookies() {
		if ck.Name == "hc_session" {
			if ck.Path != base+"/" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				c.t.Errorf("session cookie %s: Path %q, HttpOnly %v, SameSite %v; want Path %q, HttpOnly, Lax", ck.Name, ck.Path, ck.HttpOnly, ck.SameSite, base+"/")
			}
			return ck
		}
	}
	c.t.Fatalf("no session cookie set: %v", p.Header["Set-Cookie"])
	return nil
}

func pageBetween(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

var pageURLs = regexp.MustCompile(`(?:href|action|src|data-url)="([^"]*)"`)

// checkHostedPage checks one of region's pages: the status, the language,
// no message missing, the region named in the header, and every URL the
// page links to, posts to or loads under the region's prefix. It returns
// the page's links (unescaped).
func checkHostedPage(t *testing.T, lang, region, name, path string, p pageAnswer, status int) []string {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s %s: %d, want %d\n%s", lang, path, p.Status, status, p.Body)
	}
	if strings.Contains(p.Body, "⟦") || strings.Contains(p.Body, "%!") {
		t.Errorf("%s %s: a message is missing or misformatted:\n%s", lang, path, p.Body)
	}
	if want := map[string]string{"zh": `<html lang="zh-CN">`, "en": `<html lang="en">`}[lang]; !strings.Contains(p.Body, want) {
		t.Errorf("%s %s: not in %s", lang, path, lang)
	}
	header := map[string]string{"zh": "地区：" + name, "en": "Region: " + name}[lang]
	if !strings.Contains(p.Body, `<p class="region">`+header+`</p>`) {
		t.Errorf("%s %s: the header does not name the region (%q)", lang, path, header)
	}
	prefix := "/regions/" + region + "/"
	var links []string
	for _, m := range pageURLs.FindAllStringSubmatch(p.Body, -1) {
		u := html.UnescapeString(m[1])
		switch {
		case strings.HasPrefix(u, "#"), strings.HasPrefix(u, "data:image/png;base64,"):
		case strings.HasPrefix(u, prefix):
			links = append(links, u)
		default:
			t.Errorf("%s %s: %q is not under %s", lang, path, u, prefix)
		}
	}
	return links
}

// TestHostedRegionPages: the hub serves a hosted region's citizen pages
// under /regions/{id}/. A citizen signs in with a one-time password,
// saves a profile, declares, and "my code" shows a QR that is a national
// code (issuer CN) of that region; every page of the citizen renders in
// Chinese and English with no message missing, names the region, and
// keeps every link, form, asset, redirect and cookie under the prefix;
// there are no staff or check-in pages. A session of one region is not
// taken under another's prefix, by the pages or the API.
func TestHostedRegionPages(t *testing.T) {
	h := startHostedHub(t)
	h.hostRegions(t)
	ctx := t.Context()
	v := h.verifier(t)
	base := "/regions/" + urumqi

	for i, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			c := newPageClient(t, h.url, map[string]string{"zh": "zh-CN,zh;q=0.9", "en": "en-GB,en;q=0.9"}[lang])
			// Signed out, the region's root and its pages send to its sign-in.
			if p := c.get(base); p.Status != http.StatusTemporaryRedirect || p.Location != base+"/" {
				t.Errorf("GET %s: %d %q", base, p.Status, p.Location)
			}
			if p := c.get(base + "/"); p.Status != http.StatusSeeOther || p.Location != base+"/signin" {
				t.Fatalf("GET %s/: %d %q", base, p.Status, p.Location)
			}
			if p := c.get(base + "/me/code"); p.Status != http.StatusSeeOther || p.Location != base+"/signin?next=%2Fme%2Fcode" {
				t.Fatalf("signed out %s/me/code: %d %q", base, p.Status, p.Location)
			}
			p := c.get(base + "/signin")
			links := checkHostedPage(t, lang, urumqi, "乌鲁木齐市", "/signin", p, http.StatusOK)
			if strings.Contains(p.Body, "/signin/staff") {
				t.Errorf("%s: the sign-in offers the staff sign-in, which a hosted region has not", lang)
			}
			// The page's assets are served under the prefix, cached for a year.
			for _, l := range links {
				if strings.Contains(l, "/static/") {
					a := c.get(l)
					if a.Status != http.StatusOK || !strings.Contains(a.Header.Get("Cache-Control"), "immutable") {
						t.Errorf("GET %s: %d %q", l, a.Status, a.Header.Get("Cache-Control"))
					}
				}
			}
			// No staff pages, no check-in: the not-found page, in HTML.
			for _, path := range []string{"/signin/staff", "/me/checkin", "/health", "/admin", "/checkpoint", "/venues"} {
				checkHostedPage(t, lang, urumqi, "乌鲁木齐市", path, c.get(base+path), http.StatusNotFound)
			}

			phone := []string{"13900139000", "13900139001"}[i]
			id := []string{"11010519491231002X", "33010619900101123X"}[i]
			session := c.signIn(urumqi, phone)
			p = c.get(base + "/me/code")
			checkHostedPage(t, lang, urumqi, "乌鲁木齐市", "/me/code (no profile)", p, http.StatusOK)
			if !strings.Contains(p.Body, `href="`+base+`/me/profile"`) {
				t.Errorf("%s: no way to the profile from a code page without one", lang)
			}
			p = c.do("POST", base+"/me/profile", url.Values{"name": {"张三丰"}, "id_type": {"resident_id"}, "id_number": {id}})
			if p.Status != http.StatusSeeOther || p.Location != base+"/me/profile?saved=1" {
				t.Fatalf("POST /me/profile: %d %q\n%s", p.Status, p.Location, p.Body)
			}
			p = c.do("POST", base+"/me/declare", url.Values{"temperature": {"36.6"}, "case_contact": {"no"}})
			if p.Status != http.StatusSeeOther || p.Location != base+"/me/code?declared=1" {
				t.Fatalf("POST /me/declare: %d %q\n%s", p.Status, p.Location, p.Body)
			}
			p = c.get(base + "/me/code?declared=1")
			checkHostedPage(t, lang, urumqi, "乌鲁木齐市", "/me/code", p, http.StatusOK)
			png := pageBetween(p.Body, `src="data:image/png;base64,`, `"`)
			img, err := base64.StdEncoding.DecodeString(html.UnescapeString(png))
			if err != nil {
				t.Fatalf("%s: the QR is no base64 PNG: %v", lang, err)
			}
			text, err := qr.DecodeImage(bytes.NewReader(img))
			if err != nil {
				t.Fatalf("%s: no QR read from my code: %v", lang, err)
			}
			verdict := v.Verify(text, time.Now())
			if !verdict.Valid || verdict.Region != healthcode.NationalRegion || verdict.Home != urumqi ||
				verdict.Colour != healthcode.Green.String() || verdict.Name != "张*丰" {
				t.Fatalf("%s: my code's QR: %+v, want a valid green national code of %s", lang, verdict, urumqi)
			}

			// A staff read, for the access log; an appeal filed.
			st := h.hosted.get(urumqi).current().st
			person, err := st.DB.FindPersonByIDNumber(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			staff := &healthcode.Caller{Role: healthcode.RoleHealth, TokenID: 1, Name: "cdc-xj"}
			if err := st.Audit.Record(ctx, staff, person, healthcode.ReadStatus, "outbreak 7"); err != nil {
				t.Fatal(err)
			}
			p = c.do("POST", base+"/me/appeals", url.Values{"reason": {"我昨天的核酸是阴性的"}})
			if p.Status != http.StatusSeeOther || p.Location != base+"/me/appeals?filed=1" {
				t.Fatalf("POST /me/appeals: %d %q\n%s", p.Status, p.Location, p.Body)
			}

			// Every page the navigation leads to, and every link on those.
			seen := map[string]bool{}
			queue := []string{base + "/me/code"}
			var pages []string
			for len(queue) > 0 {
				u := queue[0]
				queue = queue[1:]
				if seen[u] || strings.Contains(u, "/static/") || strings.Contains(u, "/lang/") || strings.HasSuffix(u, "/signout") {
					continue
				}
				seen[u] = true
				p := c.get(u)
				if p.Status == http.StatusSeeOther && p.Location == base+"/me/code" {
					continue // the brand's link: / sends a citizen to their code
				}
				queue = append(queue, checkHostedPage(t, lang, urumqi, "乌鲁木齐市", u, p, http.StatusOK)...)
				if path, _, _ := strings.Cut(strings.TrimPrefix(u, base), "?"); !slices.Contains(pages, path) {
					pages = append(pages, path)
				}
			}
			slices.Sort(pages)
			want := []string{"/me/access-log", "/me/appeals", "/me/code", "/me/declare", "/me/profile", "/me/records"}
			if !slices.Equal(pages, want) {
				t.Errorf("%s: the citizen reaches %v, want %v", lang, pages, want)
			}
			if p := c.get(base + "/me/access-log"); !strings.Contains(p.Body, "cdc-xj") || !strings.Contains(p.Body, "outbreak 7") {
				t.Errorf("%s: the access log does not show the read", lang)
			}
			if p := c.get(base + "/me/appeals"); !strings.Contains(p.Body, "我昨天的核酸是阴性的") {
				t.Errorf("%s: the appeal is not listed", lang)
			}

			// The language switch returns under the prefix and remembers
			// the choice for this region only.
			other := map[string]string{"zh": "en", "en": "zh"}[lang]
			p = c.get(base + "/lang/" + other + "?next=%2Fme%2Frecords")
			if p.Status != http.StatusSeeOther || p.Location != base+"/me/records" {
				t.Errorf("%s: the language switch: %d %q", lang, p.Status, p.Location)
			}
			for _, ck := range (&http.Response{Header: p.Header}).Cookies() {
				if ck.Name == "lang" && ck.Path != base+"/" {
					t.Errorf("the language cookie's Path is %q, want %q", ck.Path, base+"/")
				}
			}
			if p := c.get(base + "/me/records"); !strings.Contains(p.Body, map[string]string{"zh": `<html lang="zh-CN">`, "en": `<html lang="en">`}[other]) {
				t.Errorf("%s: switched to %s, the page is not", lang, other)
			}
			if p := c.get("/regions/" + lhasa + "/signin"); !strings.Contains(p.Body, map[string]string{"zh": `<html lang="zh-CN">`, "en": `<html lang="en">`}[lang]) {
				t.Errorf("%s: the language switched under %s changed %s's pages", lang, urumqi, lhasa)
			}

			// Region X's session is not Y's: the browser does not send it
			// there, and sent by hand it signs no one in, on the pages or
			// the API.
			lb := "/regions/" + lhasa
			if p := c.get(lb + "/me/code"); p.Status != http.StatusSeeOther || p.Location != lb+"/signin?next=%2Fme%2Fcode" {
				t.Errorf("%s/me/code with %s's session in the jar: %d %q", lb, urumqi, p.Status, p.Location)
			}
			bare := newPageClient(t, h.url, c.lang)
			p = bare.do("GET", lb+"/me/code", nil, "Cookie", "hc_session="+session.Value)
			if p.Status != http.StatusSeeOther || p.Location != lb+"/signin?next=%2Fme%2Fcode" {
				t.Errorf("%s/me/code with %s's session cookie: %d %q", lb, urumqi, p.Status, p.Location)
			}
			if p := bare.do("GET", lb+"/api/v1/me/status", nil, "Cookie", "hc_session="+session.Value); p.Status != http.StatusUnauthorized {
				t.Errorf("%s's API with %s's session cookie: %d %s", lb, urumqi, p.Status, p.Body)
			}
			if p := bare.do("GET", base+"/api/v1/me/status", nil, "Cookie", "hc_session="+session.Value); p.Status != http.StatusOK {
				t.Errorf("%s's API with its own session cookie: %d %s", urumqi, p.Status, p.Body)
			}
			// Signed in at Y as well, each region keeps its own session.
			c.signIn(lhasa, phone)
			if p := c.get(lb + "/me/code"); p.Status != http.StatusOK || !strings.Contains(p.Body, "拉萨市") {
				t.Errorf("%s/me/code signed in there: %d", lb, p.Status)
			}
			if p := c.get(base + "/me/code"); p.Status != http.StatusOK || !strings.Contains(p.Body, "张*丰") {
				t.Errorf("%s/me/code after signing in at %s: %d", base, lhasa, p.Status)
			}

			// Signing out returns to the region's sign-in and ends that
			// session only.
			p = c.do("POST", base+"/signout", url.Values{})
			if p.Status != http.StatusSeeOther || p.Location != base+"/signin" {
				t.Errorf("sign out: %d %q", p.Status, p.Location)
			}
			if p := c.get(base + "/me/code"); p.Status != http.StatusSeeOther {
				t.Errorf("%s/me/code signed out: %d", base, p.Status)
			}
			if p := c.get(lb + "/me/code"); p.Status != http.StatusOK {
				t.Errorf("%s/me/code after signing out of %s: %d", lb, urumqi, p.Status)
			}
		})
	}
}
