package healthcode

import (
	"context"
	"time"
)

// RegionOverview is the health authority's dashboard: the colours people
// hold now and the region's scans over a window (the last 24 hours).
type RegionOverview struct {
	At time.Time
	// Colours counts the stored statuses by colour name, as last
	// evaluated; ActionRequired those that ask the person to act.
	Colours        map[string]int64
	ActionRequired int64
	// ColourHistory is the colours held at each counted hour of the last
	// 14 days, oldest first (empty when the node keeps no history).
	ColourHistory []ColourHour
	From, To      time.Time
	// ScansPerHour lists every hour of the window, oldest first.
	ScansPerHour []HourScans
	// EntryColours counts the passed entries by colour name; Denials the
	// deny codes of refused scans (a scan with two codes under both).
	EntryColours map[string]int64
	Denials      map[string]int64
	// Busiest are the venues with the most passed entries, most first.
	Busiest []VenueCount
}

// HourScans is the scans at the region's doors in the hour from Hour.
type HourScans struct {
	Hour   time.Time
	Passed int64 // passed entries
	Denied int64
}

// VenueCount is one venue's entries and denials in a window.
type VenueCount struct {
	VenueID string
	Name    string
	Entries int64
	Denied  int64
}

// OverviewStore reads the region's dashboard figures.
type OverviewStore interface {
	// RegionOverview counts the stored statuses by colour and sums the
	// scans with At in [from, to) by hour, colour, deny code and venue
	// (the top venues by passed entries, with their names).
	RegionOverview(ctx context.Context, from, to time.Time, top int) (*RegionOverview, error)
}
