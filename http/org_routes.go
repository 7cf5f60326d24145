package http

// orgRoutes returns the routes of its area (issue 7).
func (s *Server) orgRoutes() []route {
	return nil
}
