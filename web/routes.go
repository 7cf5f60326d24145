package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/healthcode/healthcode"
)

// page is one entry of the page table.
type page struct {
	pattern string            // ServeMux pattern: "GET /me/code"
	roles   []healthcode.Role // who may open it; none: anyone, signed in or not
	// nav is the catalog key of the page's link in the navigation, shown
	// to callers of roles; "" for no link (form posts, redirects).
	nav     string
	navPath string // the link's path, also where a signed-out POST comes back to
	handle  func(h *Handler, w http.ResponseWriter, r *request)
}

var citizen = []healthcode.Role{healthcode.RoleCitizen}

// pages is the page table, in navigation order. Each area (citizen,
// health staff, venues, organisations…) adds its pages here with its
// roles; the navigation shows a caller only the links of their role.
func (h *Handler) pages() []page {
	all := []page{
		{pattern: "GET /{$}", handle: (*Handler).handleHome},
		{pattern: "GET /signin", handle: (*Handler).handleSignIn},
		{pattern: "POST /signin/otp", handle: (*Handler).handleSignInOTP},
		{pattern: "POST /signin", handle: (*Handler).handleSignInSubmit},
		{pattern: "POST /signout", handle: (*Handler).handleSignOut},
		{pattern: "GET /lang/{lang}", handle: (*Handler).handleLang},
		// Staff sign in with their bearer token (area: staff sign-in).
		{pattern: "GET /signin/staff", handle: (*Handler).handleStaffSignIn},
		{pattern: "POST /signin/staff", handle: (*Handler).handleStaffSignInSubmit},

		// The checkpoint at a venue's door (area: checkpoint).
		{pattern: "GET /checkpoint", roles: checkpointRole, nav: "checkpoint.nav", navPath: "/checkpoint", handle: (*Handler).handleCheckpoint},

		// The citizen's pages, phone-first.
		{pattern: "GET /me/code", roles: citizen, nav: "nav.code", navPath: "/me/code", handle: (*Handler).handleCode},
		{pattern: "GET /me/code/national", roles: citizen, handle: (*Handler).handleNationalCode},
		// Citizen check-in at a venue by its place code (area: check-in).
		{pattern: "GET /me/checkin", roles: citizen, nav: "checkin.nav", navPath: "/me/checkin", handle: (*Handler).handleCheckin},
		{pattern: "POST /me/checkin", roles: citizen, navPath: "/me/checkin", handle: (*Handler).handleCheckinSubmit},
		{pattern: "GET /me/declare", roles: citizen, nav: "nav.declare", navPath: "/me/declare", handle: (*Handler).handleDeclare},
		{pattern: "POST /me/declare", roles: citizen, navPath: "/me/declare", handle: (*Handler).handleDeclareSubmit},
		{pattern: "GET /me/records", roles: citizen, nav: "nav.records", navPath: "/me/records", handle: (*Handler).handleRecords},
		{pattern: "GET /me/access-log", roles: citizen, nav: "nav.accesslog", navPath: "/me/access-log", handle: (*Handler).handleAccessLog},
		{pattern: "GET /me/appeals", roles: citizen, nav: "nav.appeals", navPath: "/me/appeals", handle: (*Handler).handleAppeals},
		{pattern: "POST /me/appeals", roles: citizen, navPath: "/me/appeals", handle: (*Handler).handleAppealSubmit},
		{pattern: "GET /me/profile", roles: citizen, nav: "nav.profile", navPath: "/me/profile", handle: (*Handler).handleProfile},
		{pattern: "POST /me/profile", roles: citizen, navPath: "/me/profile", handle: (*Handler).handleProfileSubmit},

		// Venue operators' pages (area: venues): their venues, posters,
		// occupancy and charts; health staff and admins see every venue.
		{pattern: "GET /venues", roles: venueRoles, nav: "venue.nav", navPath: "/venues", handle: (*Handler).handleVenues},
		{pattern: "GET /venues/{id}", roles: venueRoles, navPath: "/venues", handle: (*Handler).handleVenue},

		// The health authority's pages (area: health): the dashboard for
		// health staff and admins; the pages that read or change people's
		// data for health staff only, as in the API.
		{pattern: "GET /health", roles: healthRoles, nav: "health.nav", navPath: "/health", handle: (*Handler).handleHealth},
		{pattern: "GET /health/imports", roles: healthStaff, nav: "health.imports_nav", navPath: "/health/imports", handle: (*Handler).handleImports},
		{pattern: "POST /health/imports", roles: healthStaff, navPath: "/health/imports", handle: (*Handler).handleImportSubmit},
		{pattern: "GET /health/jobs/{id}", roles: healthRoles, navPath: "/health/imports", handle: (*Handler).handleJob},
		{pattern: "GET /health/risk-areas", roles: healthStaff, nav: "health.risk_nav", navPath: "/health/risk-areas", handle: (*Handler).handleRiskAreas},
		{pattern: "POST /health/risk-areas", roles: healthStaff, navPath: "/health/risk-areas", handle: (*Handler).handleRiskAreasSubmit},
		{pattern: "GET /health/appeals", roles: healthStaff, nav: "health.appeals_nav", navPath: "/health/appeals", handle: (*Handler).handleAppealQueue},
		{pattern: "POST /health/appeals/{id}", roles: healthStaff, navPath: "/health/appeals", handle: (*Handler).handleAppealDecide},
		{pattern: "GET /health/traces", roles: healthStaff, nav: "health.traces_nav", navPath: "/health/traces", handle: (*Handler).handleTraces},
		{pattern: "POST /health/traces", roles: healthStaff, navPath: "/health/traces", handle: (*Handler).handleTraceStart},
		{pattern: "GET /health/traces/{id}", roles: healthStaff, navPath: "/health/traces", handle: (*Handler).handleTrace},
		{pattern: "POST /health/traces/{id}/apply", roles: healthStaff, navPath: "/health/traces", handle: (*Handler).handleTraceApply},
		{pattern: "GET /health/persons", roles: healthStaff, nav: "health.persons_nav", navPath: "/health/persons", handle: (*Handler).handlePersons},
		{pattern: "POST /health/persons", roles: healthStaff, navPath: "/health/persons", handle: (*Handler).handlePersonLookup},

		// The admin's pages (area: admin): staff tokens, the trust list and
		// the hub connection.
		{pattern: "GET /admin", roles: adminRole, nav: "admin.nav", navPath: "/admin", handle: (*Handler).handleAdmin},
		{pattern: "POST /admin/tokens", roles: adminRole, navPath: "/admin", handle: (*Handler).handleTokenCreate},
		{pattern: "POST /admin/tokens/{id}/revoke", roles: adminRole, navPath: "/admin", handle: (*Handler).handleTokenRevoke},

		// Anything else: the not-found page (in HTML, with the navigation).
		{pattern: "/", handle: (*Handler).handleNotFound},
	}
	if !h.CitizenOnly {
		return all
	}
	// A region the hub hosts: the citizen's pages and those of anyone
	// (sign-in, language, not found); no staff sign-in, and no check-in
	// without a check-in service (a hosted region has no venues).
	var kept []page
	for _, p := range all {
		switch {
		case strings.HasPrefix(p.pattern, "GET /signin/staff"), strings.HasPrefix(p.pattern, "POST /signin/staff"):
		case strings.HasSuffix(p.pattern, " /me/checkin") && h.Checkins == nil:
		case len(p.roles) == 0, slices.Equal(p.roles, citizen):
			kept = append(kept, p)
		}
	}
	return kept
}

// navLink is a link of the navigation as the layout shows it.
type navLink struct {
	Label, Path string
	Current     bool
}

// nav returns the navigation links the caller may use.
func (h *Handler) nav(r *request) []navLink {
	if r.Caller == nil {
		return nil
	}
	var links []navLink
	for _, p := range h.table {
		if p.nav == "" || !r.Caller.Is(p.roles...) {
			continue
		}
		links = append(links, navLink{Label: r.Lang.T(p.nav), Path: p.navPath, Current: r.URL.Path == p.navPath})
	}
	return links
}
