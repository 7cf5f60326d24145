package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

// route is one entry of the route table. The table is the single list that
// both the mux and the OpenAPI test read.
type route struct {
	pattern string // ServeMux pattern: "METHOD /path"
	handler http.Handler
}

// routes returns the route table. Protected routes go through requireRole;
// staff routes are added the same way with their roles.
func (s *Server) routes() []route {
	citizen := s.requireRole(healthcode.RoleCitizen)
	admin := s.requireRole(healthcode.RoleAdmin)
	health := s.requireRole(healthcode.RoleHealth, healthcode.RoleAdmin)
	venueStaff := s.requireRole(healthcode.RoleHealth, healthcode.RoleAdmin, healthcode.RoleVenue)
	checkpoint := s.requireRole(healthcode.RoleCheckpoint)
	routes := []route{
		{"GET /healthz", http.HandlerFunc(s.handleHealthz)},
		// Scrape with an admin token (Prometheus: authorization.credentials).
		{"GET /metrics", admin(s.Metrics.ServeHTTP)},
		{"GET /api/v1/trust", http.HandlerFunc(s.handleTrust)},
		{"GET /api/v1/openapi.json", http.HandlerFunc(handleOpenAPI)},

		{"POST /api/v1/auth/otp", http.HandlerFunc(s.handleOTPRequest)},
		{"POST /api/v1/auth/session", http.HandlerFunc(s.handleSessionCreate)},
		{"DELETE /api/v1/auth/session", citizen(s.handleSessionDelete)},

		{"GET /api/v1/me/profile", citizen(s.handleProfileGet)},
		{"PUT /api/v1/me/profile", citizen(s.handleProfilePut)},
		{"POST /api/v1/me/declarations", citizen(s.handleDeclarationCreate)},
		{"GET /api/v1/me/declarations", citizen(s.handleDeclarationList)},
		{"GET /api/v1/me/status", citizen(s.handleStatusGet)},
		{"GET /api/v1/me/records", citizen(s.handleRecordsGet)},
		{"GET /api/v1/me/code", citizen(s.handleCodeGet)},
		{"GET /api/v1/me/code.png", citizen(s.handleCodePNG)},
		{"GET /api/v1/me/code.svg", citizen(s.handleCodeSVG)},
		{"GET /api/v1/me/national-code", citizen(s.handleNationalCodeGet)},

		{"POST /api/v1/me/appeals", citizen(s.handleAppealCreate)},
		{"GET /api/v1/me/appeals", citizen(s.handleAppealList)},
		{"GET /api/v1/me/access-log", citizen(s.handleAccessLog)},
		// Staff reads of a person state a purpose (X-Purpose) and are audited.
		{"GET /api/v1/appeals", s.requireRole(healthcode.RoleHealth)(s.handleAppealQueue)},
		{"POST /api/v1/appeals/{id}/decision", s.requireRole(healthcode.RoleHealth)(s.handleAppealDecision)},
		{"POST /api/v1/persons/lookup", s.requireRole(healthcode.RoleHealth)(s.handlePersonLookup)},
		{"GET /api/v1/persons/{id}/status", s.requireRole(healthcode.RoleHealth)(s.handlePersonStatus)},

		// A provider follows the recompute of its own imports only.
		{"POST /api/v1/traces", s.requireRole(healthcode.RoleHealth)(s.handleTraceCreate)},
		{"GET /api/v1/traces/{id}", s.requireRole(healthcode.RoleHealth)(s.handleTraceGet)},
		{"POST /api/v1/traces/{id}/apply", s.requireRole(healthcode.RoleHealth)(s.handleTraceApply)},
		{"GET /api/v1/jobs/{id}", s.requireRole(healthcode.RoleHealth, healthcode.RoleAdmin, healthcode.RoleProvider)(s.handleJobGet)},
		// A provider token sends its own record kind only (checked inside).
		{"POST /api/v1/records/{kind}", s.requireRole(healthcode.RoleProvider, healthcode.RoleHealth)(s.handleRecordsPost)},
		{"PUT /api/v1/risk-areas", s.requireRole(healthcode.RoleHealth)(s.handleRiskAreasPut)},
		{"GET /api/v1/risk-areas", s.requireRole(append(healthcode.StaffRoles[:len(healthcode.StaffRoles):len(healthcode.StaffRoles)], healthcode.RoleCitizen)...)(s.handleRiskAreasGet)},

		// Venues: health staff and admins create them; a venue operator
		// runs its own (checked inside).
		{"POST /api/v1/venues", health(s.handleVenueCreate)},
		{"GET /api/v1/venues", venueStaff(s.handleVenueList)},
		{"GET /api/v1/venues/{id}", venueStaff(s.handleVenueGet)},
		{"PUT /api/v1/venues/{id}", venueStaff(s.handleVenuePut)},
		{"GET /api/v1/venues/{id}/poster.png", venueStaff(s.handleVenuePosterPNG)},
		{"GET /api/v1/venues/{id}/poster.pdf", venueStaff(s.handleVenuePosterPDF)},
		{"POST /api/v1/venues/{id}/devices", venueStaff(s.handleDeviceCreate)},
		// A checkpoint reads its own venue's occupancy (the service checks which).
		{"GET /api/v1/venues/{id}/occupancy", s.requireRole(healthcode.RoleHealth, healthcode.RoleAdmin, healthcode.RoleVenue, healthcode.RoleCheckpoint)(s.handleVenueOccupancy)},
		{"GET /api/v1/venues/{id}/stats", venueStaff(s.handleVenueStats)},
		{"GET /api/v1/venues/{id}/scans", s.requireRole(healthcode.RoleHealth)(s.handleVenueScans)},

		// Checkpoints scan codes at their venue's door.
		{"GET /api/v1/checkpoint", checkpoint(s.handleCheckpointGet)},
		{"POST /api/v1/scans", checkpoint(s.handleScanCreate)},
		{"POST /api/v1/scans/batch", checkpoint(s.handleScanBatch)},
		{"POST /api/v1/purchases", checkpoint(s.handlePurchaseCreate)},
		{"GET /api/v1/purchases", s.requireRole(healthcode.RoleHealth)(s.handlePurchaseList)},
		{"POST /api/v1/checkins", citizen(s.handleCheckinCreate)},

		// The hub asks a code's live status, with the peer token this
		// node's admin made for it (way 2).
		{"POST /api/v1/peer/status", s.requireRole(healthcode.RolePeer)(s.handlePeerStatus)},
	}
	// Communities, employers and schools (issue 7), each area in a file of
	// its own.
	routes = append(routes, s.orgRoutes()...)
	routes = append(routes, s.healthCheckRoutes()...)
	routes = append(routes, s.resumptionRoutes()...)
	return routes
}
