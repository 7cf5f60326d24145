package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// notPages are routes of the page table that answer something other than
// a page, which no link leads to.
var notPages = map[string]bool{}

// byLinkOnly are pages a role may open but no page of its own leads to:
// an admin opens a job's page from a link someone gives (health staff
// start the jobs, from their imports and risk areas).
var byLinkOnly = map[healthcode.Role]map[string]bool{
	healthcode.RoleAdmin: {"GET /health/jobs/{id}": true},
	// A new citizen has no code yet, nor does this stack follow a hub:
	// "my code" links to the national code (TestNationalCodePage).
	healthcode.RoleCitizen: {"GET /me/code/national": true},
}

var (
	hrefRe   = regexp.MustCompile(`<a [^>]*href="(/[^"]*)"`)
	navBlock = regexp.MustCompile(`(?s)<nav class="nav"[^>]*>.*?</nav>`)
)

// links returns the local page links of body: those of the navigation,
// and all of them (the API, static files and the language switch left
// out).
func links(body string) (nav, all []string) {
	pick := func(s string) []string {
		var out []string
		for _, m := range hrefRe.FindAllStringSubmatch(s, -1) {
			href := html.UnescapeString(m[1])
			if strings.HasPrefix(href, "/api/") || strings.HasPrefix(href, "/static/") || strings.HasPrefix(href, "/lang/") {
				continue
			}
			out = append(out, href)
		}
		return out
	}
	return pick(navBlock.FindString(body)), pick(body)
}

// TestEveryRoleReachesItsPages is issue 8's "a new user reaches every
// page from the navigation": for the citizen (a new one) and each staff
// role with pages, in Chinese and English, the user signs in through the
// pages (the staff by the link from the citizen's sign-in to the staff
// one), starts at / and follows the links from there — the navigation's,
// and the pages' own (a venue from the list), and health staff the
// answers of the risk-area and trace forms (a job, a trace). Every page
// reached answers 200 with no missing message, each navigation page of
// the page table for the role is linked from the navigation, and every
// page of the table the role may open is reached.
func TestEveryRoleReachesItsPages(t *testing.T) {
	missingKeys.Clear()
	s := newCheckinStack(t)
	s.citizen(t, "13700137000", "11010519491231002X") // someone to trace
	tokens := map[healthcode.Role]string{
		healthcode.RoleAdmin:      s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleAdmin, Name: "admin"}),
		healthcode.RoleHealth:     s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleHealth, Name: "cdc"}),
		healthcode.RoleVenue:      s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleVenue, Name: "front desk", VenueID: s.Venue.ID}),
		healthcode.RoleCheckpoint: s.Token,
	}
	// Forms whose answers lead to pages: path and fields.
	forms := map[healthcode.Role][]struct {
		path   string
		fields url.Values
	}{
		healthcode.RoleHealth: {
			{"/health/risk-areas", url.Values{"areas": {"330106,文三路街道,high,2026-11-20,\n"}}},
			{"/health/traces", url.Values{"id_type": {"resident_id"}, "id_number": {"11010519491231002X"}}},
		},
	}
	table := (&Handler{}).pages()
	roles := []healthcode.Role{healthcode.RoleCitizen, healthcode.RoleAdmin, healthcode.RoleHealth, healthcode.RoleVenue, healthcode.RoleCheckpoint}
	for i, lang := range languages {
		for j, role := range roles {
			t.Run(lang+"/"+string(role), func(t *testing.T) {
				c := s.client(t, browserLangs[lang])
				// Signed out, / leads to the sign-in.
				p := c.get("/")
				if p.Status != http.StatusSeeOther || p.Location != "/signin" {
					t.Fatalf("signed out /: %d %q", p.Status, p.Location)
				}
				p = c.get("/signin")
				checkPage(t, lang, "/signin", p, http.StatusOK)
				if role == healthcode.RoleCitizen {
					c.signIn(fmt.Sprintf("136%08d", i*len(roles)+j)) // a new user
				} else {
					if _, all := links(p.Body); !slices.Contains(all, "/signin/staff") {
						t.Fatalf("the sign-in page does not link to the staff's")
					}
					checkPage(t, lang, "/signin/staff", c.get("/signin/staff"), http.StatusOK)
					p = c.post("/signin/staff", url.Values{"token": {tokens[role]}})
					if p.Status != http.StatusSeeOther {
						t.Fatalf("POST /signin/staff: %d\n%s", p.Status, p.Body)
					}
				}

				// From /, every link followed.
				reached := map[string]string{} // pattern → a path that reached it
				inNav := map[string]bool{}
				queue, seen := []string{"/"}, map[string]bool{}
				visit := func(path string) {
					seen[path] = true
					p := c.get(path)
					if p.Status == http.StatusSeeOther && strings.HasPrefix(p.Location, "/") && !strings.HasPrefix(p.Location, "/signin") {
						queue = append(queue, p.Location)
						return
					}
					checkPage(t, lang, path, p, http.StatusOK)
					u, _ := url.Parse(path)
					reached[patternOf(table, u.Path)] = path
					nav, all := links(p.Body)
					for _, l := range nav {
						inNav[l] = true
					}
					queue = append(queue, all...)
				}
				crawl := func() {
					for len(queue) > 0 && len(seen) < 100 {
						path := queue[0]
						queue = queue[1:]
						if !seen[path] {
							visit(path)
						}
					}
				}
				crawl()
				for _, f := range forms[role] {
					p := c.post(f.path, f.fields)
					if p.Status != http.StatusSeeOther {
						t.Fatalf("POST %s: %d\n%s", f.path, p.Status, p.Body)
					}
					queue = append(queue, p.Location)
					crawl()
				}

				var pages []string
				for _, pg := range table {
					if !strings.HasPrefix(pg.pattern, "GET ") || notPages[pg.pattern] || !slices.Contains(pg.roles, role) {
						continue
					}
					pages = append(pages, pg.pattern)
					if pg.nav != "" && !inNav[pg.navPath] {
						t.Errorf("%s is not in the navigation of %s", pg.navPath, role)
					}
					if reached[pg.pattern] == "" && !byLinkOnly[role][pg.pattern] {
						t.Errorf("%s: %s is not reached from /", role, pg.pattern)
					}
				}
				if len(pages) == 0 {
					t.Fatalf("no pages for %s", role)
				}
				t.Logf("%s: %d pages of the table reached in %d requests", role, len(pages), len(seen))
			})
		}
	}
	wantNoMissingKeys(t)
}

// patternOf is the page table's GET pattern serving path.
func patternOf(table []page, path string) string {
	mux := http.NewServeMux()
	for _, p := range table {
		if strings.HasPrefix(p.pattern, "GET ") {
			mux.HandleFunc(p.pattern, func(http.ResponseWriter, *http.Request) {})
		}
	}
	_, pattern := mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}, Host: "x"})
	return pattern
}
