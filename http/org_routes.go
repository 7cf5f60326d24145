package http

import "github.com/healthcode/healthcode"

// orgRoutes returns the routes of its area (issue 7). A manager's token
// acts for its own organisation only (and its unit's members only, when
// bound to one); health staff and admins for any; checked inside.
func (s *Server) orgRoutes() []route {
	health := s.requireRole(healthcode.RoleHealth, healthcode.RoleAdmin)
	managers := s.requireRole(healthcode.RoleOrg, healthcode.RoleHealth, healthcode.RoleAdmin)
	citizen := s.requireRole(healthcode.RoleCitizen)
	return []route{
		{"POST /api/v1/orgs", health(s.handleOrgCreate)},
		{"GET /api/v1/orgs", managers(s.handleOrgList)},
		{"GET /api/v1/orgs/{id}", managers(s.handleOrgGet)},
		{"PUT /api/v1/orgs/{id}", managers(s.handleOrgPut)},
		{"POST /api/v1/orgs/{id}/managers", health(s.handleOrgManagerCreate)},
		{"POST /api/v1/orgs/{id}/roster", managers(s.handleOrgRosterPost)},
		{"POST /api/v1/orgs/{id}/invitations", managers(s.handleOrgInvitationCreate)},
		{"GET /api/v1/orgs/{id}/members", managers(s.handleOrgMembers)},
		{"GET /api/v1/orgs/{id}/report", managers(s.handleOrgReport)},

		{"POST /api/v1/me/orgs", citizen(s.handleMyOrgJoin)},
		{"GET /api/v1/me/orgs", citizen(s.handleMyOrgList)},
		{"DELETE /api/v1/me/orgs/{id}", citizen(s.handleMyOrgLeave)},
	}
}
