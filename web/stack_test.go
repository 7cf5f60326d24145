package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	hchttp "github.com/healthcode/healthcode/http"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/status"
	"github.com/healthcode/healthcode/storetest"
	"github.com/healthcode/healthcode/trust"
	"github.com/prometheus/client_golang/prometheus"
)

const testRegion = "CN-330100"

// stack is a node as `healthcode serve --dev` wires it, pages mounted, on
// the test's store (SQLite or PostgreSQL, by HEALTHCODE_TEST_DB).
type stack struct {
	DB       *sqlstore.DB
	Auth     *node.AuthService
	Citizens *node.CitizenService
	Audit    *node.Audit
	Appeals  *node.AppealService
	Trust    *node.TrustDocument
	Server   *hchttp.Server
	HTTP     *httptest.Server
}

func newStack(t testing.TB) *stack {
	t.Helper()
	ctx := context.Background()
	db := storetest.MustOpenDB(t)
	box := storetest.TestBox(t)
	logger := slog.New(slog.DiscardHandler)
	if os.Getenv("WEB_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	policy := status.DefaultPolicy()
	reg := prometheus.NewRegistry()
	keys := node.NewKeyRing(db)
	if err := keys.Ensure(ctx, healthcode.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	auth := node.NewAuthService(db, box, node.LogSender{Logger: logger})
	auth.Dev, auth.Logger = true, logger
	citizens := &node.CitizenService{Store: db, Policy: policy, Keys: keys, Region: testRegion, Now: time.Now,
		Logger: logger, Metrics: node.NewMetrics(reg)}
	audit := &node.Audit{Store: db, Now: time.Now, Logger: logger, Metrics: node.NewAuditMetrics(reg)}
	appeals := &node.AppealService{Store: db, Citizens: citizens, Audit: audit, Now: time.Now}
	trustDoc := &node.TrustDocument{Keys: keys, Region: testRegion, CodeLifetime: policy.CodeLifetime(), Now: time.Now}

	srv := hchttp.NewServer()
	srv.Auth, srv.Citizens, srv.Audit, srv.Appeals = auth, citizens, audit, appeals
	srv.TrustJSON, srv.Ready, srv.Dev, srv.Logger = trustDoc.JSON, db.Ping, true, logger
	srv.Pages = &Handler{Auth: auth, Citizens: citizens, Appeals: appeals, Audit: audit, Sessions: srv, Dev: true, Logger: logger}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &stack{DB: db, Auth: auth, Citizens: citizens, Audit: audit, Appeals: appeals, Trust: trustDoc, Server: srv, HTTP: ts}
}

// trustList is the node's trust list as a verifier reads it.
func (s *stack) trustList(t testing.TB) *trust.List {
	t.Helper()
	doc, err := s.Trust.JSON(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l, err := trust.Parse(doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// client is a browser without a browser: a cookie jar and no redirects
// followed, so each step's answer can be checked.
type client struct {
	t    testing.TB
	base string
	c    *http.Client
	lang string
}

func (s *stack) client(t testing.TB, lang string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: s.HTTP.URL, lang: lang, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func (c *client) do(method, path string, form url.Values) answer {
	c.t.Helper()
	var body string
	if form != nil {
		body = form.Encode()
	}
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return c.send(req)
}

// send sends req in the client's language and reads the answer whole.
func (c *client) send(req *http.Request) answer {
	c.t.Helper()
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b), Header: resp.Header}
}

func (c *client) get(path string) answer { c.t.Helper(); return c.do("GET", path, nil) }
func (c *client) post(path string, form url.Values) answer {
	c.t.Helper()
	return c.do("POST", path, form)
}

// signIn signs phone in through the pages, with the dev password the
// sign-in page shows.
func (c *client) signIn(phone string) {
	c.t.Helper()
	p := c.post("/signin/otp", url.Values{"phone": {phone}, "next": {"/me/code"}})
	if p.Status != http.StatusOK {
		c.t.Fatalf("POST /signin/otp: %d\n%s", p.Status, p.Body)
	}
	otp := between(p.Body, "<output>", "</output>")
	if len(otp) != 6 {
		c.t.Fatalf("no dev password on the page:\n%s", p.Body)
	}
	p = c.post("/signin", url.Values{"phone": {phone}, "otp": {otp}, "next": {"/me/code"}})
	if p.Status != http.StatusSeeOther || p.Location != "/me/code" {
		c.t.Fatalf("POST /signin: %d %q\n%s", p.Status, p.Location, p.Body)
	}
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}
