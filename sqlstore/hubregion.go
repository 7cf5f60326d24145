package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/healthcode/healthcode"
)

// UpdateRegion changes a region's endpoint, endpoint token, colour map or policy
// under the region's lock, and bumps the hub generation: the endpoint is in
// the trust list, and the hub's resolve cache reads all three.
func (db *DB) UpdateRegion(ctx context.Context, id string, u healthcode.RegionUpdate) (*healthcode.Region, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.wrap(err, "begin update region")
	}
	defer tx.Rollback()
	r, err := db.scanRegion(tx.QueryRowContext(ctx, `SELECT `+hubRegionColumns+` FROM hub_regions WHERE id = $1`+db.dialect.ForUpdate, id))
	if err == sql.ErrNoRows {
		return nil, notFound("region " + id)
	} else if err != nil {
		return nil, db.wrap(err, "lock region")
	}
	if u.Name != nil {
		r.Name = *u.Name
	}
	if u.Endpoint != nil {
		r.Endpoint = *u.Endpoint
	}
	if u.EndpointToken != nil {
		r.EndpointToken = *u.EndpointToken
	}
	if u.ColourMap != nil {
		r.ColourMap = u.ColourMap.Normal()
	}
	if u.Policy != nil {
		r.Policy = *u.Policy
	}
	colourMap, token, err := db.regionSettings(r.ColourMap, r.EndpointToken)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE hub_regions SET name = $2, endpoint = $3, endpoint_token = $4, colour_map = $5, policy = $6 WHERE id = $1`,
		id, r.Name, r.Endpoint, token, colourMap, r.Policy); err != nil {
		return nil, db.wrap(err, "update region")
	}
	if err := bumpHubGeneration(ctx, tx); err != nil {
		return nil, db.wrap(err, "update region")
	}
	if err := tx.Commit(); err != nil {
		return nil, db.wrap(err, "commit update region")
	}
	return r, nil
}

// regionSettings returns a region's colour map and endpoint token as
// stored: the map as a JSON object without identity entries, the token
// sealed (nil when none).
func (db *DB) regionSettings(m healthcode.ColourMap, token string) (string, []byte, error) {
	data, err := json.Marshal(m.Normal())
	if err != nil {
		return "", nil, healthcode.Internal(err, "marshal colour map")
	}
	if string(data) == "null" {
		data = []byte("{}")
	}
	if token == "" {
		return string(data), nil, nil
	}
	sealed, err := db.box.Seal([]byte(token))
	if err != nil {
		return "", nil, err
	}
	return string(data), sealed, nil
}
