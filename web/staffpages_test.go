package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/storetest"
	"github.com/prometheus/client_golang/prometheus"
)

// staffPages wires what the staff pages need into the stack's handler and
// server, as `healthcode serve` does (before its first request: the
// fields must not change after).
type staffPages struct {
	*stack
	Venues    *node.VenueService
	Recompute *node.Recompute
	Traces    *node.TraceService
}

// waitTrace waits (up to 4 s) for the trace a POST /health/traces sent
// the browser to at location to end, and returns its id.
func (s *staffPages) waitTrace(t *testing.T, location string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(location, "/health/traces/"), 10, 64)
	if err != nil {
		t.Fatalf("not a trace's page: %q", location)
	}
	for range 200 {
		tr, err := s.Traces.FindTrace(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if tr.State == healthcode.JobDone || tr.State == healthcode.JobFailed {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return id
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
	logger := s.Citizens.Logger
	recompute := &node.Recompute{Store: s.DB, Citizens: s.Citizens}
	imports := &node.ImportService{Store: s.DB, PersonKey: storetest.TestBox(t).PersonKey, Recomputer: recompute, Region: testRegion,
		Now: time.Now, Logger: logger, Metrics: node.NewImportMetrics(prometheus.NewRegistry())}
	traces := &node.TraceService{Store: s.DB, Region: testRegion, Rules: s.Citizens.Policy.TraceRules, Now: time.Now,
		Logger: logger, Recompute: recompute, Audit: s.Audit}
	persons := &node.PersonReads{Store: s.DB, Citizens: s.Citizens, Audit: s.Audit}
	h.Overview = &node.Overview{Store: s.DB, Now: time.Now, History: s.DB}
	h.Imports, h.Jobs, h.RiskAreas, h.Traces, h.Persons = imports, recompute, recompute, traces, persons
	h.Tokens = &node.TokenAdmin{Store: s.DB, Now: time.Now}
	h.TrustList = s.Trust.List
	s.Server.Jobs, s.Server.Traces = recompute, traces
	return &staffPages{stack: s, Venues: venues, Recompute: recompute, Traces: traces}
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
	wantNoMissingKeys(t)
}

// postFile posts a form with a file, as the imports page's form does.
func (c *client) postFile(path string, fields map[string]string, name, content string) answer {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req)
}

// citizen signs a citizen in through the pages with a profile and a
// declaration: a green code.
func (s *staffPages) citizen(t *testing.T, phone, idNumber, lang string) (*client, int64) {
	t.Helper()
	c := s.client(t, browserLangs[lang])
	c.signIn(phone)
	if p := c.post("/me/profile", url.Values{"name": {"张三丰"}, "id_type": {"resident_id"}, "id_number": {idNumber}}); p.Status != http.StatusSeeOther {
		t.Fatalf("profile: %d\n%s", p.Status, p.Body)
	}
	if p := c.post("/me/declare", url.Values{"temperature": {"36.6"}, "case_contact": {"no"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("declare: %d\n%s", p.Status, p.Body)
	}
	id, err := s.DB.FindPersonByIDNumber(context.Background(), idNumber)
	if err != nil {
		t.Fatal(err)
	}
	return c, id
}

// positiveTest is a tests file with one positive result for idNumber.
func positiveTest(id, idNumber string) string {
	now := time.Now()
	return "id,id_number,sampled_at,reported_at,result,lab\n" + id + "," + idNumber + "," +
		now.Add(-6*time.Hour).Format(time.RFC3339) + "," + now.Add(-time.Hour).Format(time.RFC3339) + ",positive,西湖检测\n"
}

func waitJob(t *testing.T, s *staffPages, id int64) {
	t.Helper()
	for range 200 {
		j, err := s.Recompute.Job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == healthcode.JobDone || j.State == healthcode.JobFailed {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job %d does not finish", id)
}

// TestHealthPages walks health staff through every page of theirs in
// Chinese and English: the dashboard, an import that turns a citizen
// red, its job, the risk areas replaced, the appeals queue and a
// decision, a trace and its findings, a person look-up.
func TestHealthPages(t *testing.T) {
	missingKeys.Clear()
	s := newStaffPages(t)
	ctx := context.Background()
	v := s.venue(t, "银泰百货", 200)
	health := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleHealth, Name: "西湖区疾控"})
	s.colourHistory(t, 3) // three days of the colour history
	for i, lang := range languages {
		t.Run(lang, func(t *testing.T) {
			idNumber := []string{"11010519491231002X", "33010619900101123X"}[i]
			cz, personID := s.citizen(t, []string{"13800138000", "13900139000"}[i], idNumber, lang)
			c := s.staffClient(t, health, browserLangs[lang])

			p := c.get("/health")
			checkPage(t, lang, "/health", p, http.StatusOK)
			for _, want := range []string{`<svg class="chart"`, v.Name, `href="/venues/` + v.ID + `"`,
				`aria-labelledby="chart-colour-history-t chart-colour-history-d"`, `<polygon points=`,
				`<time datetime="` + time.Now().Truncate(time.Hour).UTC().Format(time.RFC3339) + `">`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the dashboard lacks %q", want)
				}
			}
			if n := strings.Count(between(p.Body, `id="history-h"`, `</section>`), "<tr><td><time"); n != 3 {
				t.Errorf("the colour history's table has %d days, want 3", n)
			}
			for _, path := range []string{"/health", "/health/imports", "/health/risk-areas", "/health/appeals", "/health/traces", "/health/persons", "/venues"} {
				if !strings.Contains(p.Body, `href="`+path+`"`) {
					t.Errorf("the navigation lacks %s", path)
				}
			}

			// An import through the page turns the citizen red.
			checkPage(t, lang, "/health/imports", c.get("/health/imports"), http.StatusOK)
			p = c.postFile("/health/imports", map[string]string{"kind": "tests", "format": "auto"}, "lab.csv",
				positiveTest("t-"+lang, idNumber)+"t-bad,123,,,maybe,Lab\n")
			checkPage(t, lang, "POST /health/imports", p, http.StatusOK)
			jobID, _ := strconv.ParseInt(between(p.Body, `href="/health/jobs/`, `"`), 10, 64)
			if jobID == 0 || !strings.Contains(p.Body, "<td>3</td>") {
				t.Fatalf("no job link or no rejected line 3 in the summary:\n%s", p.Body)
			}
			checkPage(t, lang, "/health/jobs/{id}", c.get("/health/jobs/"+strconv.FormatInt(jobID, 10)), http.StatusOK)
			waitJob(t, s, jobID)
			p = c.get("/health/jobs/" + strconv.FormatInt(jobID, 10))
			if strings.Contains(p.Body, `http-equiv="refresh"`) {
				t.Errorf("a finished job's page still reloads")
			}
			if p := cz.get("/me/code"); !strings.Contains(p.Body, `class="code code-red"`) {
				t.Errorf("after the import the citizen's code is not red:\n%s", p.Body)
			}
			// A malformed file is refused whole, the reason beside the file.
			p = c.postFile("/health/imports", map[string]string{"kind": "tests", "format": "csv"}, "x.csv", "not,a,header\n1,2,3\n")
			checkPage(t, lang, "POST /health/imports (malformed)", p, http.StatusBadRequest)
			if !strings.Contains(p.Body, `id="err-file"`) {
				t.Errorf("the malformed file's reason is not beside the file:\n%s", p.Body)
			}

			// Risk areas, replaced.
			checkPage(t, lang, "/health/risk-areas", c.get("/health/risk-areas"), http.StatusOK)
			p = c.post("/health/risk-areas", url.Values{"areas": {"330106,文三路街道,high,2026-11-20,\n"}})
			if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/health/risk-areas?job=") {
				t.Fatalf("POST /health/risk-areas: %d %q\n%s", p.Status, p.Location, p.Body)
			}
			p = c.get(p.Location)
			checkPage(t, lang, "/health/risk-areas?job=", p, http.StatusOK)
			if !strings.Contains(p.Body, "文三路街道") {
				t.Errorf("the new risk area is not listed")
			}
			p = c.post("/health/risk-areas", url.Values{"areas": {"3301,x,severe,2026-11-20,\n"}})
			checkPage(t, lang, "POST /health/risk-areas (bad)", p, http.StatusBadRequest)
			if msg := between(p.Body, `id="err-areas">`, "</p>"); !strings.Contains(msg, map[string]string{"zh": "第 1 个地区", "en": "area 1"}[lang]) {
				t.Errorf("the bad area is not named: %q", msg)
			}
			// An emptied list clears the areas only when that is ticked.
			p = c.post("/health/risk-areas", url.Values{"areas": {""}})
			checkPage(t, lang, "POST /health/risk-areas (emptied)", p, http.StatusBadRequest)
			if msg := between(p.Body, `id="err-areas">`, "</p>"); !strings.Contains(msg, map[string]string{"zh": "清空现有的 1 个风险地区", "en": "clears all 1 risk areas"}[lang]) {
				t.Errorf("an emptied list is not questioned: %q", msg)
			}
			if p := c.get("/health/risk-areas"); !strings.Contains(between(p.Body, `id="list-h"`, "</section>"), "文三路街道") {
				t.Errorf("an emptied list, not ticked, cleared the areas")
			}
			p = c.post("/health/risk-areas", url.Values{"areas": {""}, "clear": {"1"}})
			if p.Status != http.StatusSeeOther {
				t.Fatalf("POST /health/risk-areas (cleared): %d\n%s", p.Status, p.Body)
			}
			if p := c.get("/health/risk-areas"); strings.Contains(between(p.Body, `id="list-h"`, "</section>"), "文三路街道") {
				t.Errorf("a ticked emptied list did not clear the areas")
			}

			// The person look-up asks for a purpose and is logged.
			checkPage(t, lang, "/health/persons", c.get("/health/persons"), http.StatusOK)
			p = c.post("/health/persons", url.Values{"id_type": {"resident_id"}, "id_number": {idNumber}})
			checkPage(t, lang, "POST /health/persons (no purpose)", p, http.StatusBadRequest)
			if !strings.Contains(p.Body, `id="err-purpose"`) {
				t.Errorf("no purpose: no message beside the purpose:\n%s", p.Body)
			}
			before, _ := s.Audit.AccessLog(ctx, personID, 0, 100)
			p = c.post("/health/persons", url.Values{"id_type": {"resident_id"}, "id_number": {idNumber}, "purpose": {"流调核查 118"}})
			checkPage(t, lang, "POST /health/persons", p, http.StatusOK)
			if !strings.Contains(p.Body, "张*丰") || !strings.Contains(p.Body, "dot-red") {
				t.Errorf("the look-up does not show the masked red person:\n%s", p.Body)
			}
			after, _ := s.Audit.AccessLog(ctx, personID, 0, 100)
			if len(after) != len(before)+1 || after[0].Purpose != "流调核查 118" || after[0].Actor != "西湖区疾控" {
				t.Errorf("the look-up is not in the access log: %d then %d entries", len(before), len(after))
			}

			// The appeals queue, read with a purpose, and a decision.
			if p := cz.post("/me/appeals", url.Values{"reason": {"我的核酸是阴性的，请核实"}}); p.Status != http.StatusSeeOther {
				t.Fatalf("appeal: %d", p.Status)
			}
			p = c.get("/health/appeals")
			checkPage(t, lang, "/health/appeals", p, http.StatusOK)
			p = c.get("/health/appeals?purpose=" + url.QueryEscape("申诉审核"))
			checkPage(t, lang, "/health/appeals?purpose=", p, http.StatusOK)
			appealID := between(p.Body, `action="/health/appeals/`, `"`)
			if appealID == "" || !strings.Contains(p.Body, "我的核酸是阴性的") {
				t.Fatalf("the appeal is not in the queue:\n%s", p.Body)
			}
			p = c.post("/health/appeals/"+appealID, url.Values{"decision": {"reject"}, "reason": {""}, "purpose": {"申诉审核"}})
			checkPage(t, lang, "POST decision (no reason)", p, http.StatusBadRequest)
			if !strings.Contains(p.Body, `id="e-`+appealID+`-reason"`) {
				t.Errorf("the refused decision's reason is not beside its field")
			}
			p = c.post("/health/appeals/"+appealID, url.Values{"decision": {"reject"}, "reason": {"检测结果为阳性，属实"}, "purpose": {"申诉审核"}})
			if p.Status != http.StatusSeeOther {
				t.Fatalf("decide: %d\n%s", p.Status, p.Body)
			}
			checkPage(t, lang, "after the decision", c.get(p.Location), http.StatusOK)

			// A trace: started, followed, read with a purpose.
			checkPage(t, lang, "/health/traces", c.get("/health/traces"), http.StatusOK)
			p = c.post("/health/traces", url.Values{"id_type": {"resident_id"}, "id_number": {idNumber}})
			if p.Status != http.StatusSeeOther {
				t.Fatalf("POST /health/traces: %d\n%s", p.Status, p.Body)
			}
			tracePath := p.Location
			s.waitTrace(t, tracePath)
			checkPage(t, lang, "/health/traces/{id}", c.get(tracePath), http.StatusOK)
			p = c.get(tracePath + "?purpose=" + url.QueryEscape("流调 118"))
			checkPage(t, lang, "/health/traces/{id}?purpose=", p, http.StatusOK)
			if !strings.Contains(p.Body, "/api/v1/traces/") {
				t.Errorf("no link to the full report:\n%s", p.Body)
			}
		})
	}
	wantNoMissingKeys(t)
}

// TestStaffPagesRoles: each role opens its own pages only.
func TestStaffPagesRoles(t *testing.T) {
	s := newStaffPages(t)
	v := s.venue(t, "银泰百货", 200)
	venue := s.staffClient(t, s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleVenue, Name: "v", VenueID: v.ID}), "")
	health := s.staffClient(t, s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleHealth, Name: "h"}), "")
	admin := s.staffClient(t, s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleAdmin, Name: "a"}), "")
	cz := s.client(t, "")
	cz.signIn("13800138000")
	for _, tc := range []struct {
		who  string
		c    *client
		path string
		want int
	}{
		{"venue", venue, "/venues", 200},
		{"venue", venue, "/health", 403},
		{"venue", venue, "/health/persons", 403},
		{"venue", venue, "/admin", 403},
		{"citizen", cz, "/admin", 403},
		{"health", health, "/admin", 403},
		{"admin", admin, "/admin", 200},
		{"citizen", cz, "/venues", 403},
		{"citizen", cz, "/health", 403},
		{"health", health, "/health", 200},
		{"health", health, "/health/persons", 200},
		{"health", health, "/venues", 200},
		{"admin", admin, "/health", 200},
		{"admin", admin, "/health/persons", 403},
		{"admin", admin, "/venues", 200},
	} {
		if p := tc.c.get(tc.path); p.Status != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.who, tc.path, p.Status, tc.want)
		}
	}
	// A citizen cannot post to a health page either.
	if p := cz.post("/health/persons", url.Values{"id_number": {"11010519491231002X"}, "purpose": {"x"}}); p.Status != http.StatusForbidden {
		t.Errorf("citizen POST /health/persons: %d", p.Status)
	}
}

// TestStaffKeysInCatalogs: the keys the staff pages make at run time, and
// every venue./health./admin. literal of their Go code, are in both
// catalogs.
func TestStaffKeysInCatalogs(t *testing.T) {
	used := map[string]bool{}
	for _, k := range healthcode.VenueKinds {
		used["venue.kind."+k] = true
	}
	for _, k := range healthcode.RecordKinds {
		used["health.kind."+k] = true
	}
	for _, s := range []string{healthcode.JobQueued, healthcode.JobRunning, healthcode.JobDone, healthcode.JobFailed} {
		used["health.job_state."+s] = true
	}
	for _, l := range []healthcode.RiskLevel{healthcode.RiskHigh, healthcode.RiskMedium, healthcode.RiskLow} {
		used["health.level."+string(l)] = true
	}
	for _, d := range []string{healthcode.DegreeClose, healthcode.DegreeSecondary, healthcode.DegreeCompanion} {
		used["health.degree."+d] = true
	}
	literal := regexp.MustCompile(`"((?:venue|health|admin)\.[a-z0-9_.]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if ext := filepath.Ext(m[1]); ext != ".html" && ext != ".js" && ext != ".css" {
				used[m[1]] = true
			}
		}
	}
	for k := range used {
		for _, lang := range languages {
			if !catalogs[lang].Has(k) {
				t.Errorf("%s.json lacks %q", lang, k)
			}
		}
	}
}

// TestAdminPage: an admin makes a token, shown once, that signs in; a
// token bound to nothing it needs is refused beside the field; tokens are
// revoked, not the admin's own; the trust list is shown.
func TestAdminPage(t *testing.T) {
	missingKeys.Clear()
	s := newStaffPages(t)
	v := s.venue(t, "银泰百货", 200)
	admin := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleAdmin, Name: "运维"})
	for _, lang := range languages {
		c := s.staffClient(t, admin, browserLangs[lang])
		p := c.get("/admin")
		checkPage(t, lang, "/admin", p, http.StatusOK)
		if !strings.Contains(p.Body, testRegion) || !strings.Contains(p.Body, "运维") {
			t.Errorf("%s: the admin page lacks the trust list's region or the tokens", lang)
		}
		p = c.post("/admin/tokens", url.Values{"role": {"venue"}, "name": {"前台"}})
		checkPage(t, lang, "POST /admin/tokens (no venue)", p, http.StatusBadRequest)
		if !strings.Contains(p.Body, `id="err-venue"`) {
			t.Errorf("%s: no message beside the venue:\n%s", lang, p.Body)
		}
		p = c.post("/admin/tokens", url.Values{"role": {"venue"}, "name": {"前台"}, "venue": {"V999999"}})
		if msg := between(p.Body, `id="err-venue">`, "</p>"); p.Status != http.StatusBadRequest || msg == "" {
			t.Errorf("%s: an unknown venue: %d %q", lang, p.Status, msg)
		}
		p = c.post("/admin/tokens", url.Values{"role": {"venue"}, "name": {"前台 " + lang}, "venue": {v.ID}})
		checkPage(t, lang, "POST /admin/tokens", p, http.StatusOK)
		token := between(p.Body, `<p class="once" role="status"><code>`, "</code>")
		if token == "" {
			t.Fatalf("%s: the new token is not shown:\n%s", lang, p.Body)
		}
		if q := s.staffClient(t, token, "").get("/venues/" + v.ID); q.Status != http.StatusOK {
			t.Errorf("%s: the new token does not open its venue: %d", lang, q.Status)
		}
		if strings.Contains(c.get("/admin").Body, token) {
			t.Errorf("%s: the token is shown again", lang)
		}
	}
	toks, _ := s.DB.ListStaffTokens(context.Background())
	last := toks[len(toks)-1]
	c := s.staffClient(t, admin, "")
	p := c.post("/admin/tokens/"+strconv.FormatInt(last.ID, 10)+"/revoke", url.Values{})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d\n%s", p.Status, p.Body)
	}
	toks, _ = s.DB.ListStaffTokens(context.Background())
	if toks[len(toks)-1].RevokedAt.IsZero() {
		t.Errorf("the token is not revoked")
	}
	if p := c.post("/admin/tokens/"+strconv.FormatInt(toks[0].ID, 10)+"/revoke", url.Values{}); p.Status != http.StatusConflict {
		t.Errorf("revoking one's own token: %d", p.Status)
	}
	wantNoMissingKeys(t)
}

// colourHistory fills the colour history of the last days days as the
// hourly job counts it: each day a few more people hold a status (the
// later ones yellow or red), and the day's noon is counted — today's
// current hour.
func (s *staffPages) colourHistory(t testing.TB, days int) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	n := 0
	for d := days - 1; d >= 0; d-- {
		for i := range 3 + (days-d)%4 {
			n++
			colour := healthcode.Green
			switch {
			case d < days/2 && i == 0:
				colour = healthcode.Yellow
			case d < days/3 && i == 1:
				colour = healthcode.Red
			}
			phone := fmt.Sprintf("1990000%04d", n)
			p, err := s.DB.FindOrCreatePerson(ctx, phone, []byte("history-"+phone), now)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.DB.SaveStatus(ctx, p.ID, &healthcode.Status{Colour: colour, ActionRequired: colour != healthcode.Green, EvaluatedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
		at := now.Add(-time.Duration(d) * 24 * time.Hour)
		if d > 0 {
			t := at.In(zone)
			at = time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, zone)
		}
		if _, err := s.DB.RecordColourHour(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
}
