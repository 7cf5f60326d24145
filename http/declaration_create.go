package http

import "net/http"

type declarationCreated struct {
	Declaration declarationResponse `json:"declaration"`
	Status      statusResponse      `json:"status"`
}

// handleDeclarationCreate stores a health and trip declaration and answers
// it with the status evaluated from it.
func (s *Server) handleDeclarationCreate(w http.ResponseWriter, r *http.Request) {
	var req declarationRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	decl, err := req.declaration()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	saved, status, err := s.Citizens.Declare(r.Context(), caller(r).PersonID, decl)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, declarationCreated{
		Declaration: newDeclarationResponse(saved),
		Status:      newStatusResponse(status),
	})
}
