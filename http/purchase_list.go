package http

import (
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

type purchaseList struct {
	Purchases []purchaseEntryResponse `json:"purchases"`
}

// purchaseEntryResponse is a registered purchase as health staff see it:
// the buyer masked.
type purchaseEntryResponse struct {
	At        time.Time `json:"at"`
	Class     string    `json:"class"`
	VenueID   string    `json:"venue_id"`
	VenueName string    `json:"venue_name"`
	Division  string    `json:"division"`
	PersonID  int64     `json:"person_id,omitempty"`
	Name      string    `json:"name,omitempty"` // masked
	ID        string    `json:"id,omitempty"`   // masked document number
}

// handlePurchaseList lists drug purchases of ?date= (a day in the region's
// zone; or ?from= and ?to=) at venues of ?division= (a prefix), for health
// staff with a stated purpose.
func (s *Server) handlePurchaseList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := healthcode.PurchaseFilter{Division: q.Get("division")}
	if d := q.Get("date"); d != "" {
		day, err := time.ParseInLocation(time.DateOnly, d, regionZone)
		if err != nil {
			s.writeError(w, r, fieldError("date", "must be a YYYY-MM-DD date"))
			return
		}
		f.From, f.To = day, day.AddDate(0, 0, 1)
	} else {
		win, err := windowParams(r, 0, 0)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		f.From, f.To = win.From, win.To // the service fills what is left out
	}
	list, err := s.Checkpoints.Purchases(r.Context(), caller(r), f, requestPurpose(r, ""))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := purchaseList{Purchases: make([]purchaseEntryResponse, 0, len(list))}
	for _, e := range list {
		pe := purchaseEntryResponse{At: e.Purchase.At.UTC(), Class: e.Purchase.Class, VenueID: e.Purchase.VenueID,
			VenueName: e.VenueName, Division: e.Division, PersonID: e.PersonID}
		if e.Profile != nil {
			pe.Name, pe.ID = idnum.MaskName(e.Profile.Name), idnum.MaskID(e.Profile.IDNumber)
		}
		resp.Purchases = append(resp.Purchases, pe)
	}
	w.Header()["Cache-Control"] = noStore
	writeJSON(w, http.StatusOK, resp)
}
