package http

import (
	"time"

	"github.com/healthcode/healthcode"
)

// scanResponse is a judged scan as a checkpoint shows it: the verdict in
// words, the colour, and the masked identity to compare with the person's
// document.
type scanResponse struct {
	ScanID         int64                   `json:"scan_id"`
	Verdict        string                  `json:"verdict"`
	Colour         *healthcode.Colour      `json:"colour"` // null when the code could not be read
	ActionRequired bool                    `json:"action_required"`
	Reasons        []healthcode.DenyReason `json:"reasons"`
	Name           string                  `json:"name,omitempty"`
	ID             string                  `json:"id,omitempty"`
	Region         string                  `json:"region,omitempty"`
	Direction      string                  `json:"direction"`
	VenueID        string                  `json:"venue_id"`
	VenueName      string                  `json:"venue_name"`
	ScannedAt      time.Time               `json:"scanned_at"`
	ExpiresAt      *time.Time              `json:"expires_at,omitempty"`
	// ResolvedVia is "hub" when the verdict rests on the hub's national
	// status (a region this node resolves through the hub).
	ResolvedVia string `json:"resolved_via,omitempty"`
}

func newScanResponse(res *healthcode.ScanResult) scanResponse {
	sc := res.Scan
	resp := scanResponse{ScanID: sc.ID, Verdict: sc.Verdict, ActionRequired: res.ActionRequired, Reasons: res.Reasons(),
		Name: res.Name, ID: res.IDMasked, Region: sc.Region, Direction: sc.Direction,
		VenueID: res.Venue.ID, VenueName: res.Venue.Name, ScannedAt: sc.At.UTC(), ResolvedVia: res.ResolvedVia}
	if sc.Region != "" {
		c := sc.Colour
		resp.Colour = &c
	}
	if !res.ExpiresAt.IsZero() {
		t := res.ExpiresAt.UTC()
		resp.ExpiresAt = &t
	}
	return resp
}

// loggedScanResponse is a scan of the log as health staff list it.
type loggedScanResponse struct {
	ID         int64             `json:"id"`
	VenueID    string            `json:"venue_id"`
	Source     string            `json:"source"`
	DeviceID   int64             `json:"device_id,omitempty"`
	Seq        int64             `json:"seq,omitempty"`
	Direction  string            `json:"direction"`
	Region     string            `json:"region,omitempty"`
	Subject    []byte            `json:"subject,omitempty"`
	PersonID   int64             `json:"person_id,omitempty"`
	Colour     healthcode.Colour `json:"colour"`
	Verdict    string            `json:"verdict"`
	Reasons    []string          `json:"reasons"`
	ScannedAt  time.Time         `json:"scanned_at"`
	ReceivedAt time.Time         `json:"received_at"`
	ClockSkew  bool              `json:"clock_skew,omitempty"`
}

func newLoggedScanResponse(sc *healthcode.Scan) loggedScanResponse {
	reasons := sc.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	return loggedScanResponse{ID: sc.ID, VenueID: sc.VenueID, Source: sc.Source, DeviceID: sc.DeviceID, Seq: sc.Seq,
		Direction: sc.Direction, Region: sc.Region, Subject: sc.Subject, PersonID: sc.PersonID, Colour: sc.Colour,
		Verdict: sc.Verdict, Reasons: reasons, ScannedAt: sc.At.UTC(), ReceivedAt: sc.ReceivedAt.UTC(), ClockSkew: sc.ClockSkew}
}
