package http

import (
	"net/http"
	"strconv"
)

const (
	defaultDeclarations = 20
	maxDeclarations     = 100
)

type declarationList struct {
	Declarations []declarationResponse `json:"declarations"`
}

// handleDeclarationList answers the caller's latest declarations, newest
// first, at most ?limit= of them.
func (s *Server) handleDeclarationList(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", defaultDeclarations, 1, maxDeclarations)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	decls, err := s.Citizens.Declarations(r.Context(), caller(r).PersonID, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := declarationList{Declarations: make([]declarationResponse, 0, len(decls))}
	for _, d := range decls {
		resp.Declarations = append(resp.Declarations, newDeclarationResponse(d))
	}
	writeJSON(w, http.StatusOK, resp)
}

// intParam reads an integer query parameter in [min, max], def when absent.
func intParam(r *http.Request, name string, def, min, max int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, fieldError(name, "must be an integer from "+strconv.Itoa(min)+" to "+strconv.Itoa(max))
	}
	return n, nil
}
