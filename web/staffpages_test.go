package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// staffPages wires what the staff pages need into the stack's handler and
// server (before its first request: the fields must not change after).
type staffPages struct {
	*stack
	Venues *node.VenueService
}

func newStaffPages(t testing.TB) *staffPages {
	t.Helper()
	s := newStack(t)
	h := s.Server.Pages.(*Handler)
	venues, _ := h.Venues.(*node.VenueService)
	if venues == nil {
		venues = &node.VenueService{Store: s.DB, Keys: s.Citizens.Keys, Region: testRegion, Now: time.Now, Audit: s.Audit}
		h.Venues = venues
	}
	if s.Server.Venues == nil {
		s.Server.Venues, s.Server.Region = venues, testRegion
	}
	return &staffPages{stack: s, Venues: venues}
}

// staffClient is a browser signed in with a staff token: the session
// cookie holds it, as the staff sign-in page sets it.
func (s *staffPages) staffClient(t testing.TB, token, lang string) *client {
	t.Helper()
	c := s.client(t, lang)
	u, _ := url.Parse(s.HTTP.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "hc_session", Value: token, Path: "/"}})
	return c
}

// venue creates a venue and a few scans at it: entries of each colour,
// an exit and a denial.
func (s *staffPages) venue(t testing.TB, name string, capacity int) *healthcode.Venue {
	t.Helper()
	ctx := context.Background()
	v, err := s.Venues.Create(ctx, &healthcode.Venue{Name: name, Kind: healthcode.VenueMall, Division: "330106",
		Address: "文三路 1 号", Capacity: capacity}, false)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var scans []*healthcode.Scan
	add := func(subject string, colour healthcode.Colour, verdict, dir string, ago time.Duration, reasons ...string) {
		scans = append(scans, &healthcode.Scan{VenueID: v.ID, Source: healthcode.ScanOnline, Direction: dir, Region: testRegion,
			Subject: []byte(subject), Colour: colour, Verdict: verdict, Reasons: reasons, At: now.Add(-ago)})
	}
	add("a", healthcode.Green, healthcode.VerdictPass, healthcode.DirectionIn, 5*time.Hour)
	add("b", healthcode.Green, healthcode.VerdictPass, healthcode.DirectionIn, 3*time.Hour)
	add("c", healthcode.Yellow, healthcode.VerdictPass, healthcode.DirectionIn, 2*time.Hour)
	add("d", healthcode.Green, healthcode.VerdictPass, healthcode.DirectionIn, 30*time.Minute)
	add("a", healthcode.Green, healthcode.VerdictPass, healthcode.DirectionOut, 4*time.Hour)
	add("e", healthcode.Red, healthcode.VerdictDeny, healthcode.DirectionIn, time.Hour, healthcode.DenyColour)
	if _, err := s.DB.RecordScans(ctx, scans, now); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVenuePages(t *testing.T) {
	missingKeys.Clear()
	s := newStaffPages(t)
	v := s.venue(t, "银泰百货", 200)
	other := s.venue(t, "西湖文化广场", 0)
	operator := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleVenue, Name: "银泰前台", VenueID: v.ID})
	for _, lang := range languages {
		c := s.staffClient(t, operator, browserLangs[lang])
		p := c.get("/venues")
		checkPage(t, lang, "/venues", p, http.StatusOK)
		if !strings.Contains(p.Body, "银泰百货") || strings.Contains(p.Body, "西湖文化广场") {
			t.Errorf("%s: a venue token sees other venues or not its own:\n%s", lang, p.Body)
		}
		for _, link := range []string{"/api/v1/venues/" + v.ID + "/poster.pdf", "/api/v1/venues/" + v.ID + "/poster.png", "/venues/" + v.ID} {
			if !strings.Contains(p.Body, `href="`+link+`"`) {
				t.Errorf("%s: no link to %s", lang, link)
			}
		}
		p = c.get("/venues/" + v.ID)
		checkPage(t, lang, "/venues/{id}", p, http.StatusOK)
		for _, want := range []string{`<svg class="chart"`, `role="img"`, `id="occ-inside">3<`, `<meter`, "<table"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("%s: the venue page lacks %q", lang, want)
			}
		}
		if p := c.get("/venues/" + other.ID); p.Status != http.StatusForbidden {
			t.Errorf("%s: another venue's page: %d", lang, p.Status)
		}
		// The poster, through the API with the same cookie.
		if p := c.get("/api/v1/venues/" + v.ID + "/poster.png"); p.Status != http.StatusOK || p.Header.Get("Content-Type") != "image/png" {
			t.Errorf("poster: %d %s", p.Status, p.Header.Get("Content-Type"))
		}
	}
	health := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleHealth, Name: "cdc"})
	p := s.staffClient(t, health, browserLangs["en"]).get("/venues")
	checkPage(t, "en", "/venues (health)", p, http.StatusOK)
	if !strings.Contains(p.Body, "银泰百货") || !strings.Contains(p.Body, "西湖文化广场") {
		t.Errorf("health staff do not see every venue")
	}
	missingKeys.Range(func(k, _ any) bool {
		t.Errorf("missing message %s", k)
		return true
	})
}
