package http

import (
	"bytes"
	"io"
	"net/http"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/poster"
)

// handleVenuePosterPNG and handleVenuePosterPDF answer the venue's A4
// place code poster, to print and put up at the door.
func (s *Server) handleVenuePosterPNG(w http.ResponseWriter, r *http.Request) {
	s.writePoster(w, r, "image/png", ".png", poster.PNG)
}

func (s *Server) handleVenuePosterPDF(w http.ResponseWriter, r *http.Request) {
	s.writePoster(w, r, "application/pdf", ".pdf", poster.PDF)
}

func (s *Server) writePoster(w http.ResponseWriter, r *http.Request, contentType, ext string, render func(io.Writer, *poster.Poster) error) {
	v, err := s.Venues.Venue(r.Context(), caller(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := s.Venues.PlaceCode(r.Context(), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := render(&b, &poster.Poster{PlaceCode: code, VenueName: v.Name, VenueID: v.ID, Kind: v.Kind,
		Address: v.Address, Region: s.Region}); err != nil {
		s.writeError(w, r, healthcode.Internal(err, "render poster"))
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `inline; filename="place-code-`+v.ID+ext+`"`)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}
