package sqlstore

import (
	"context"
	"time"

	"github.com/healthcode/healthcode"
)

// RecordScans stores scans in one transaction.
func (db *DB) RecordScans(ctx context.Context, scans []*healthcode.Scan, now time.Time) ([]bool, error) {
	return nil, healthcode.Errorf(healthcode.EINTERNAL, "scans not implemented yet")
}

// VenueScans lists the scans at a venue in w, oldest first.
func (db *DB) VenueScans(ctx context.Context, venueID string, w healthcode.ScanWindow) ([]*healthcode.Scan, error) {
	return nil, nil
}

// SubjectScans lists the scans of a person in w, oldest first.
func (db *DB) SubjectScans(ctx context.Context, region string, subject []byte, w healthcode.ScanWindow) ([]*healthcode.Scan, error) {
	return nil, nil
}

// Occupancy is how many people are inside the venue at now.
func (db *DB) Occupancy(ctx context.Context, venueID string, now time.Time) (int, error) {
	return 0, notFound("venue")
}

// VenueStats sums the venue's scans in w.
func (db *DB) VenueStats(ctx context.Context, venueID string, w healthcode.ScanWindow) (*healthcode.VenueStats, error) {
	return nil, notFound("venue")
}

// PurgeScans deletes up to limit scans received before before.
func (db *DB) PurgeScans(ctx context.Context, before time.Time, limit int) (int64, error) {
	return 0, nil
}
