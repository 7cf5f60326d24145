package http

import "github.com/healthcode/healthcode"

// resumptionRoutes returns the routes of its area (issue 7): communities'
// returnees and employers' applications to resume work. An org token acts
// for its own organisation only, checked inside; the threshold and the
// list of applications are the health authority's.
func (s *Server) resumptionRoutes() []route {
	managers := s.requireRole(healthcode.RoleOrg, healthcode.RoleHealth, healthcode.RoleAdmin)
	health := s.requireRole(healthcode.RoleHealth, healthcode.RoleAdmin)
	return []route{
		{"GET /api/v1/orgs/{id}/returnees", managers(s.handleReturneeList)},
		{"POST /api/v1/orgs/{id}/resumption", managers(s.handleResumptionApply)},
		{"GET /api/v1/orgs/{id}/resumption", managers(s.handleResumptionGet)},
		{"GET /api/v1/resumption", health(s.handleResumptionList)},
		{"GET /api/v1/resumption/threshold", health(s.handleResumptionThresholdGet)},
		{"PUT /api/v1/resumption/threshold", health(s.handleResumptionThresholdPut)},
	}
}
