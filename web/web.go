// Package web is the node's web application: server-rendered HTML pages
// with every template, style sheet and script embedded in the binary, so
// that a node on a closed network needs nothing from elsewhere. Pages call
// the node's services (the interfaces of package healthcode) directly, as
// the caller whose session cookie the request carries.
//
// The pieces, one file each:
//
//   - routes.go: the page table (pattern, who may open it, its link in the
//     navigation) — a new page is one line there;
//   - render.go: the layout, the per-language template sets, field errors;
//   - i18n.go and i18n/*.json: the message catalogs (zh default, en);
//   - static.go and static/: assets under content-hashed names;
//   - session.go: the caller from the cookie, CSRF and security headers;
//   - page_*.go with templates/*.html: the pages.
package web

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/trust"
)

// Sessions is what the pages share with the JSON API about sessions: the
// same HTTP-only cookie, so a citizen signed in on a page is signed in for
// the API too. *http.Server of package healthcode/http implements it.
type Sessions interface {
	SessionToken(r *http.Request) string
	SetSessionCookie(w http.ResponseWriter, token string, expires time.Time)
	ClearSessionCookie(w http.ResponseWriter)
	// ClientAddr is the client address the services rate-limit by.
	ClientAddr(r *http.Request) string
}

// Handler serves the pages. Set the exported fields, then serve; the
// fields must not change afterwards. Mount it as the API server's Pages.
type Handler struct {
	Auth     healthcode.AuthService
	Citizens healthcode.CitizenService
	Appeals  healthcode.AppealService
	Audit    healthcode.AuditService
	// Venues serves the staff pages of venues (the checkpoint's venue and
	// occupancy, venue operators' pages).
	Venues   healthcode.VenueService
	Sessions Sessions
	// The health authority's pages (area: health): the dashboard,
	// imports and their jobs, risk areas, tracing and person look-ups;
	// the appeals queue uses Appeals.
	Overview  Overview
	Imports   healthcode.ImportService
	Jobs      healthcode.Recomputer
	RiskAreas healthcode.RiskAreaService
	Traces    healthcode.TraceService
	Persons   healthcode.PersonService
	// The admin's pages (area: admin): staff tokens, the trust list the
	// node serves and, when it follows a hub, how that goes (nil: no hub).
	Tokens    TokenAdmin
	TrustList func(context.Context) (*trust.List, error)
	Hub       HubStatus
	// Outbox counts the batches for other regions the hub refused too
	// often, parked until requeued; shown with Hub (nil: not shown).
	Outbox ParkedOutbox

	// National gets citizens national codes from the hub the node
	// follows ("my code" links to it); nil: it follows none.
	National healthcode.NationalCodeService

	// Checkins checks citizens in at venues by their place codes (area:
	// check-in).
	Checkins CheckinService

	// Base is the path the pages are served under, "" at the root: a hub
	// serves a hosted region's at "/regions/{id}" (the request reaching
	// the Handler with the prefix stripped). It is the one place that
	// knows the prefix: every link, form, asset, redirect and cookie Path
	// of the pages is put under it. It starts with "/" and does not end
	// with one.
	Base string
	// RegionName, when set, names the region in each page's header (a
	// region the hub hosts: the citizen sees whose pages these are).
	RegionName string
	// CitizenOnly serves the citizen's pages alone (a region the hub
	// hosts, which has no node): sign-in by one-time password, the
	// language switch and the citizen's role's pages, without the check-in
	// when Checkins is nil; no staff sign-in or staff pages.
	CitizenOnly bool

	// Dev shows the one-time password on the sign-in page, as the API's
	// dev_otp does: for trying the system out, never in production.
	Dev bool
	// SecureCookies marks the language cookie Secure (behind HTTPS).
	SecureCookies bool
	Logger        *slog.Logger
	Now           func() time.Time

	once      sync.Once
	mux       *http.ServeMux
	csrf      *http.CrossOriginProtection
	table     []page
	templates map[string]map[string]*template.Template // per language, per page, under Base
}

// ServeHTTP serves the pages. The request reaches the page table's
// ServeMux as it came, so the API server's log and metrics see the page's
// pattern (r.Pattern) and never the raw path.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.once.Do(h.init)
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) init() {
	if h.Logger == nil {
		h.Logger = slog.New(slog.DiscardHandler)
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.Base != "" && (!strings.HasPrefix(h.Base, "/") || strings.HasSuffix(h.Base, "/")) {
		panic("web: Base must start with / and not end with one: " + h.Base)
	}
	h.templates = pageTemplates(h.Base)
	h.csrf = http.NewCrossOriginProtection()
	h.mux = http.NewServeMux()
	h.table = h.pages()
	for _, p := range h.table {
		h.mux.Handle(p.pattern, h.wrap(p))
	}
	h.mux.HandleFunc("GET /static/{name}", serveStatic)
}
