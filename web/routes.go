package web

import (
	"net/http"

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
	return []page{
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
		{pattern: "GET /checkpoint/occupancy", roles: checkpointRole, navPath: "/checkpoint", handle: (*Handler).handleCheckpointOccupancy},

		// The citizen's pages, phone-first.
		{pattern: "GET /me/code", roles: citizen, nav: "nav.code", navPath: "/me/code", handle: (*Handler).handleCode},
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

		// Anything else: the not-found page (in HTML, with the navigation).
		{pattern: "/", handle: (*Handler).handleNotFound},
	}
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
