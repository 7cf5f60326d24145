package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

type lookupRequest struct {
	IDType   healthcode.IDType `json:"id_type"` // default resident_id
	IDNumber string            `json:"id_number"`
	Purpose  string            `json:"purpose"` // or the X-Purpose header
}

// handlePersonLookup finds a person by document for health staff: the
// person id, the masked identity and the current status.
func (s *Server) handlePersonLookup(w http.ResponseWriter, r *http.Request) {
	var req lookupRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.Persons.Lookup(r.Context(), caller(r), req.IDType, req.IDNumber, requestPurpose(r, req.Purpose))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newPersonResponse(p))
}
