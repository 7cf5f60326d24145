package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

type purchaseRequest struct {
	Code    string   `json:"code"`
	Classes []string `json:"classes"`
}

type purchaseResponse struct {
	scanResponse
	Classes    []string `json:"classes"`
	Registered bool     `json:"registered"`
	// Status is the buyer's colour and action flag after the purchase.
	Status *purchaseStatus `json:"status,omitempty"`
}

type purchaseStatus struct {
	Colour         healthcode.Colour `json:"colour"`
	ActionRequired bool              `json:"action_required"`
}

// handlePurchaseCreate registers a drug sale at the caller's pharmacy to
// the person showing code.
func (s *Server) handlePurchaseCreate(w http.ResponseWriter, r *http.Request) {
	var req purchaseRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.Checkpoints.Purchase(r.Context(), caller(r), req.Code, req.Classes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := purchaseResponse{scanResponse: newScanResponse(res.ScanResult), Classes: res.Classes, Registered: res.Status != nil}
	if st := res.Status; st != nil {
		resp.Status = &purchaseStatus{Colour: st.Colour, ActionRequired: st.ActionRequired}
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, resp)
}
