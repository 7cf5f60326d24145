package web

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/qr"
	"github.com/healthcode/healthcode/storetest"
	"github.com/healthcode/healthcode/verify"
)

// followHub makes s a node following a real hub (hub.Registry behind
// http.HubServer, on 127.0.0.1, a store of its own) that knows s's region
// and keys, with its pages and API able to get national codes. It returns
// the hub's server, to stop it.
func (s *stack) followHub(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	hubDB := storetest.MustOpenDB(t)
	g := hub.New(hubDB)
	keys, err := s.Citizens.Keys.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var regionKeys []*healthcode.RegionKey
	for _, k := range keys {
		regionKeys = append(regionKeys, &healthcode.RegionKey{Alg: k.Alg, PublicKey: k.PublicKey})
	}
	peer, err := g.AddRegion(ctx, &healthcode.Region{ID: testRegion, Name: "杭州市", Mode: healthcode.ModeLocal}, regionKeys)
	if err != nil {
		t.Fatal(err)
	}
	hs := hchttp.NewHubServer()
	hs.Hub, hs.National, hs.Auth, hs.Ready = g, g, node.NewAuthService(hubDB, storetest.TestBox(t), nil), hubDB.Ping
	hts := httptest.NewServer(hs.Handler())
	t.Cleanup(hts.Close)
	_, pub, err := g.PublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	client := &node.HubClient{URL: hts.URL, Token: peer, HubKey: ed25519.PublicKey(pub), Region: testRegion,
		Keys: s.Citizens.Keys, CodeLifetime: 5 * time.Minute, DataDir: t.TempDir(), Now: time.Now}
	if err := client.FetchTrust(ctx); err != nil {
		t.Fatal(err)
	}
	s.Trust.Hub = client
	national := &node.NationalCodes{Hub: client, Citizens: s.Citizens, Trust: s.Trust, Now: time.Now}
	s.Server.NationalCodes = national
	s.Server.Pages.(*Handler).National = national
	s.Server.Pages.(*Handler).TrustList = s.Trust.List // as serve sets it: names regions
	return hts
}

var qrDataURL = regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`)

// TestNationalCodePage: a citizen of a node following the hub opens the
// national code from "my code": a QR of a code signed by region CN for
// this region's person, which the node's own trust list verifies, in
// both languages; the API answers the same. With the hub down the page
// says the code is not available and leads back to the region's code.
func TestNationalCodePage(t *testing.T) {
	s := newStack(t)
	hts := s.followHub(t)
	clients := map[string]*client{}
	for i, lang := range languages {
		t.Run(lang, func(t *testing.T) {
			c := s.client(t, browserLangs[lang])
			clients[lang] = c
			c.signIn([]string{"13800138000", "13900139000"}[i])
			if p := c.post("/me/profile", url.Values{"name": {"张三丰"}, "id_type": {"resident_id"},
				"id_number": {[]string{"11010519491231002X", "33010619900101123X"}[i]}}); p.Status != http.StatusSeeOther {
				t.Fatalf("profile: %d\n%s", p.Status, p.Body)
			}
			if p := c.post("/me/declare", url.Values{"temperature": {"36.6"}, "case_contact": {"no"}}); p.Status != http.StatusSeeOther {
				t.Fatalf("declare: %d\n%s", p.Status, p.Body)
			}
			p := c.get("/me/code")
			checkPage(t, lang, "/me/code", p, http.StatusOK)
			if !strings.Contains(p.Body, `href="/me/code/national"`) {
				t.Fatalf("my code does not lead to the national code:\n%s", p.Body)
			}
			p = c.get("/me/code/national")
			checkPage(t, lang, "/me/code/national", p, http.StatusOK)
			if !strings.Contains(p.Body, "杭州市") || !strings.Contains(p.Body, `href="/me/code"`) || !strings.Contains(p.Body, "张*丰") {
				t.Errorf("the national code's page lacks the home region, the way back or the holder:\n%s", p.Body)
			}
			m := qrDataURL.FindStringSubmatch(p.Body)
			if m == nil {
				t.Fatalf("no QR on the national code's page:\n%s", p.Body)
			}
			png, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			text, err := qr.DecodeImage(bytes.NewReader(png))
			if err != nil {
				t.Fatalf("QR does not decode: %v", err)
			}
			v, err := verify.NewVerifier(s.trustList(t))
			if err != nil {
				t.Fatal(err)
			}
			vd := v.Verify(text, time.Now())
			if !vd.Valid || vd.Region != healthcode.NationalRegion || vd.Home != testRegion || vd.Colour != "green" {
				t.Fatalf("the QR's code: %+v, want a valid green code of CN for %s", vd, testRegion)
			}

			a := c.get("/api/v1/me/national-code")
			var nc struct{ Code, Colour, Region, Home string }
			if err := json.Unmarshal([]byte(a.Body), &nc); a.Status != http.StatusOK || err != nil {
				t.Fatalf("GET /api/v1/me/national-code: %d %s", a.Status, a.Body)
			}
			if vd := v.Verify(nc.Code, time.Now()); !vd.Valid || nc.Region != "CN" || nc.Home != testRegion || nc.Colour != "green" {
				t.Errorf("API answer %+v (verdict %+v)", nc, vd)
			}
		})
	}

	hts.Close()
	c := clients["en"]
	if c == nil {
		t.Fatal("no citizen signed in")
	}
	p := c.get("/me/code/national")
	checkPage(t, "en", "/me/code/national (hub down)", p, http.StatusServiceUnavailable)
	if !strings.Contains(p.Body, "show your region&#39;s code") || !strings.Contains(p.Body, `href="/me/code"`) || qrDataURL.MatchString(p.Body) {
		t.Errorf("with the hub down the page does not say so and lead back:\n%s", p.Body)
	}
}

// TestNationalCodeWithoutHub: a node that follows no hub offers no national
// code: no link, no page, 503 from the API.
func TestNationalCodeWithoutHub(t *testing.T) {
	s := newStack(t)
	c := s.client(t, browserLangs["zh"])
	c.signIn("13800138000")
	c.post("/me/profile", url.Values{"name": {"张三丰"}, "id_type": {"resident_id"}, "id_number": {"11010519491231002X"}})
	c.post("/me/declare", url.Values{"temperature": {"36.6"}, "case_contact": {"no"}})
	if p := c.get("/me/code"); p.Status != http.StatusOK || strings.Contains(p.Body, "/me/code/national") {
		t.Errorf("my code without a hub: %d, links to the national code: %v", p.Status, strings.Contains(p.Body, "/me/code/national"))
	}
	checkPage(t, "zh", "/me/code/national", c.get("/me/code/national"), http.StatusNotFound)
	if a := c.get("/api/v1/me/national-code"); a.Status != http.StatusServiceUnavailable {
		t.Errorf("API without a hub: %d %s", a.Status, a.Body)
	}
}
