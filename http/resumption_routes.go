package http

// resumptionRoutes returns the routes of its area (issue 7).
func (s *Server) resumptionRoutes() []route {
	return nil
}
