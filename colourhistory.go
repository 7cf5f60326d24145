package healthcode

import (
	"context"
	"time"
)

// ColourHour is the colours people held at the start of an hour: the
// stored statuses counted by colour, and those asking the person to act.
type ColourHour struct {
	Hour               time.Time
	Green, Yellow, Red int64
	ActionRequired     int64
}

// ColourHistoryStore keeps the hourly counts of the statuses by colour,
// the dashboard's colour distribution over time.
type ColourHistoryStore interface {
	// RecordColourHour counts the statuses by colour (the overview's one
	// pass over them) and stores the counts as hour's, replacing a row
	// the hour already has.
	RecordColourHour(ctx context.Context, hour time.Time) (*ColourHour, error)
	// HasColourHour tells whether hour has a row.
	HasColourHour(ctx context.Context, hour time.Time) (bool, error)
	// ColourHistory lists the rows with hour in [from, to), oldest first.
	ColourHistory(ctx context.Context, from, to time.Time) ([]ColourHour, error)
	// PurgeColourHistory deletes the rows of hours before cutoff.
	PurgeColourHistory(ctx context.Context, cutoff time.Time) (int64, error)
}
