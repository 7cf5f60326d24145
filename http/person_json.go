package http

import (
	"net/http"
	"strings"

	"github.com/healthcode/healthcode"
)

// purposeHeader states why staff read a person's data; the access audit
// log keeps it and the person sees it.
const purposeHeader = "X-Purpose"

// requestPurpose returns the purpose of a read: the X-Purpose header, else
// the purpose query parameter, else the body's purpose field.
func requestPurpose(r *http.Request, fromBody string) string {
	if p := strings.TrimSpace(r.Header.Get(purposeHeader)); p != "" {
		return p
	}
	if p := strings.TrimSpace(r.URL.Query().Get("purpose")); p != "" {
		return p
	}
	return fromBody
}

// personResponse is a person as staff see them: masked, with the current
// status.
type personResponse struct {
	ID       int64             `json:"id"`
	Name     string            `json:"name"`      // masked
	IDType   healthcode.IDType `json:"id_type"`   // "" without a profile
	IDNumber string            `json:"id_number"` // masked
	Status   *statusResponse   `json:"status"`    // null before the first evaluation
}

func newPersonResponse(p *healthcode.PersonSummary) personResponse {
	resp := personResponse{ID: p.PersonID, Name: p.MaskedName, IDType: p.IDType, IDNumber: p.MaskedIDNumber}
	if p.Status != nil {
		st := newStatusResponse(p.Status)
		resp.Status = &st
	}
	return resp
}
