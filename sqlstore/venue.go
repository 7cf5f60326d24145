package sqlstore

import (
	"context"

	"github.com/healthcode/healthcode"
)

// CreateVenue stores v and sets its ID, CreatedAt and UpdatedAt.
func (db *DB) CreateVenue(ctx context.Context, v *healthcode.Venue) error {
	return healthcode.Errorf(healthcode.EINTERNAL, "venues not implemented yet")
}

// FindVenue returns the venue with id.
func (db *DB) FindVenue(ctx context.Context, id string) (*healthcode.Venue, error) {
	return nil, notFound("venue")
}

// ListVenues lists venues by f, ordered by id.
func (db *DB) ListVenues(ctx context.Context, f healthcode.VenueFilter) ([]*healthcode.Venue, error) {
	return nil, nil
}

// UpdateVenue replaces the mutable fields of v.ID.
func (db *DB) UpdateVenue(ctx context.Context, v *healthcode.Venue) error {
	return notFound("venue")
}
