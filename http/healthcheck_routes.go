package http

import "github.com/healthcode/healthcode"

// healthCheckRoutes returns the routes of its area (issue 7): schools'
// morning and noon checks and the daily check-ins of people in home
// quarantine or monitoring. An org token acts for its own organisation
// (and class) only, checked inside.
func (s *Server) healthCheckRoutes() []route {
	citizen := s.requireRole(healthcode.RoleCitizen)
	managers := s.requireRole(healthcode.RoleOrg, healthcode.RoleHealth, healthcode.RoleAdmin)
	return []route{
		{"POST /api/v1/orgs/{id}/checks", managers(s.handleSchoolCheckEnter)},
		{"GET /api/v1/orgs/{id}/checks", managers(s.handleSchoolCheckClass)},
		{"GET /api/v1/orgs/{id}/checks/summary", managers(s.handleSchoolCheckSummary)},
		{"GET /api/v1/orgs/{id}/check-ins", managers(s.handleCommunityCheckIns)},
		{"POST /api/v1/me/check-ins", citizen(s.handleDailyCheckInCreate)},
		{"GET /api/v1/me/check-ins", citizen(s.handleDailyCheckInList)},
	}
}
