package http

// healthCheckRoutes returns the routes of its area (issue 7).
func (s *Server) healthCheckRoutes() []route {
	return nil
}
