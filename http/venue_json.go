package http

import (
	"time"

	"github.com/healthcode/healthcode"
)

// venueRequest creates or updates a venue. Policy and maximum stay default
// to those of the venue's kind when left out.
type venueRequest struct {
	Name           string                  `json:"name"`
	Kind           string                  `json:"kind"`
	Division       string                  `json:"division"`
	Address        string                  `json:"address"`
	Capacity       int                     `json:"capacity"`
	MaxStayMinutes int                     `json:"max_stay_minutes"`
	Policy         *healthcode.EntryPolicy `json:"policy"`
}

func (req *venueRequest) venue(id string) *healthcode.Venue {
	v := &healthcode.Venue{ID: id, Name: req.Name, Kind: req.Kind, Division: req.Division, Address: req.Address,
		Capacity: req.Capacity, MaxStay: time.Duration(req.MaxStayMinutes) * time.Minute}
	if req.Policy != nil {
		v.Policy = *req.Policy
	}
	return v
}

// venueResponse is a venue as the API shows it.
type venueResponse struct {
	ID             string                 `json:"id"`
	Name           string                 `json:"name"`
	Kind           string                 `json:"kind"`
	Division       string                 `json:"division"`
	Address        string                 `json:"address"`
	Capacity       int                    `json:"capacity"`
	MaxStayMinutes int                    `json:"max_stay_minutes"`
	Policy         healthcode.EntryPolicy `json:"policy"`
	PlaceCode      string                 `json:"place_code,omitempty"`
	CreatedAt      time.Time              `json:"created_at"`
	UpdatedAt      time.Time              `json:"updated_at"`
}

func newVenueResponse(v *healthcode.Venue, placeCode string) venueResponse {
	p := v.Policy
	if p.Colours == nil {
		p.Colours = []healthcode.Colour{}
	}
	return venueResponse{ID: v.ID, Name: v.Name, Kind: v.Kind, Division: v.Division, Address: v.Address,
		Capacity: v.Capacity, MaxStayMinutes: int(v.MaxStay / time.Minute), Policy: p, PlaceCode: placeCode,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}
