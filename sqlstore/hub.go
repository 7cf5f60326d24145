package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/healthcode/healthcode"
)

var _ healthcode.HubStore = (*DB)(nil)

const hubRegionColumns = `id, name, mode, endpoint, keys_issued_at, created_at, colour_map, endpoint_token, policy`

// CreateRegion stores r and its first keys in one transaction.
func (db *DB) CreateRegion(ctx context.Context, r *healthcode.Region, keys []*healthcode.RegionKey) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "begin create region")
	}
	defer tx.Rollback()
	colourMap, token, err := db.regionSettings(r.ColourMap, r.EndpointToken)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO hub_regions (`+hubRegionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.ID, r.Name, r.Mode, r.Endpoint, micros(r.KeysIssuedAt), micros(r.CreatedAt), colourMap, token, r.Policy); err != nil {
		return db.wrap(err, "region "+r.ID)
	}
	for _, k := range keys {
		if err := insertRegionKey(ctx, tx, r.ID, k); err != nil {
			return db.wrap(err, "create region key")
		}
	}
	if err := bumpHubGeneration(ctx, tx); err != nil {
		return db.wrap(err, "create region")
	}
	return db.wrap(tx.Commit(), "commit create region")
}

// FindRegion returns the region with id.
func (db *DB) FindRegion(ctx context.Context, id string) (*healthcode.Region, error) {
	r, err := db.scanRegion(db.db.QueryRowContext(ctx, `SELECT `+hubRegionColumns+` FROM hub_regions WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("region " + id)
	}
	return r, db.wrap(err, "find region")
}

// Regions returns every region by id.
func (db *DB) Regions(ctx context.Context) ([]*healthcode.Region, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+hubRegionColumns+` FROM hub_regions ORDER BY id`)
	if err != nil {
		return nil, db.wrap(err, "list regions")
	}
	defer rows.Close()
	var rs []*healthcode.Region
	for rows.Next() {
		r, err := db.scanRegion(rows)
		if err != nil {
			return nil, db.wrap(err, "scan region")
		}
		rs = append(rs, r)
	}
	return rs, db.wrap(rows.Err(), "list regions")
}

// RegionKeys returns the keys of region id, or of every region when id is "".
func (db *DB) RegionKeys(ctx context.Context, id string) ([]*healthcode.RegionKey, error) {
	return db.regionKeys(ctx, db.db, id)
}

// MergeKeys locks the region row (FOR UPDATE on PostgreSQL; SQLite's
// transaction holds the write lock from BEGIN), so the replay guard, the
// caller's check and the merge see one state and a second upload waits.
func (db *DB) MergeKeys(ctx context.Context, set *healthcode.KeySet, check func(held []*healthcode.RegionKey) error) (int, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, db.wrap(err, "begin merge keys")
	}
	defer tx.Rollback()
	r, err := db.scanRegion(tx.QueryRowContext(ctx, `SELECT `+hubRegionColumns+` FROM hub_regions WHERE id = $1`+db.dialect.ForUpdate, set.Region))
	if err == sql.ErrNoRows {
		return 0, notFound("region " + set.Region)
	} else if err != nil {
		return 0, db.wrap(err, "lock region")
	}
	if micros(set.IssuedAt) <= micros(r.KeysIssuedAt) {
		return 0, healthcode.Errorf(healthcode.ECONFLICT, "issued_at %s is not later than that of the last key set accepted for %s (%s): a replayed or reordered upload",
			stored(set.IssuedAt).Format(time.RFC3339Nano), r.ID, r.KeysIssuedAt.Format(time.RFC3339Nano))
	}
	held, err := db.regionKeys(ctx, tx, set.Region)
	if err != nil {
		return 0, err
	}
	if err := check(held); err != nil {
		return 0, err
	}
	for _, k := range set.Keys {
		// A known kid takes the new bounds; revoked is OR-ed, so neither the
		// region nor a replay can bring back a key the hub revoked.
		if _, err := tx.ExecContext(ctx, `INSERT INTO hub_region_keys (region, kid, alg, public_key, not_before, not_after, revoked, added_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (region, kid) DO UPDATE SET not_before = excluded.not_before, not_after = excluded.not_after,
				revoked = hub_region_keys.revoked OR excluded.revoked`,
			set.Region, nonNil(k.KID), k.Alg, nonNil(k.PublicKey), micros(k.NotBefore), micros(k.NotAfter), k.Revoked, micros(k.AddedAt)); err != nil {
			return 0, db.wrap(err, "merge region key")
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE hub_regions SET keys_issued_at = $2 WHERE id = $1`, set.Region, micros(set.IssuedAt)); err != nil {
		return 0, db.wrap(err, "update region")
	}
	if err := bumpHubGeneration(ctx, tx); err != nil {
		return 0, db.wrap(err, "merge keys")
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM hub_region_keys WHERE region = $1`, set.Region).Scan(&n); err != nil {
		return 0, db.wrap(err, "count region keys")
	}
	return n, db.wrap(tx.Commit(), "commit merge keys")
}

// RevokeRegionKey locks the region as MergeKeys does, so an upload checked
// against the key cannot commit after the revocation.
func (db *DB) RevokeRegionKey(ctx context.Context, region string, kid []byte) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "begin revoke region key")
	}
	defer tx.Rollback()
	var id string
	if err := tx.QueryRowContext(ctx, `SELECT id FROM hub_regions WHERE id = $1`+db.dialect.ForUpdate, region).Scan(&id); err == sql.ErrNoRows {
		return notFound("region " + region)
	} else if err != nil {
		return db.wrap(err, "lock region")
	}
	res, err := tx.ExecContext(ctx, `UPDATE hub_region_keys SET revoked = TRUE WHERE region = $1 AND kid = $2`, region, nonNil(kid))
	if err != nil {
		return db.wrap(err, "revoke region key")
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(err, "revoke region key")
	} else if n == 0 {
		return notFound("key of region " + region)
	}
	if err := bumpHubGeneration(ctx, tx); err != nil {
		return db.wrap(err, "revoke region key")
	}
	return db.wrap(tx.Commit(), "commit revoke region key")
}

// HubGeneration returns the change counter of the regions and keys.
func (db *DB) HubGeneration(ctx context.Context) (int64, error) {
	var g int64
	err := db.db.QueryRowContext(ctx, `SELECT generation FROM hub_state WHERE id = 1`).Scan(&g)
	return g, db.wrap(err, "read hub generation")
}

// EnsureHubKey writes k only into an empty slot, so concurrent first
// starts agree on one key: each reads back the one that won.
func (db *DB) EnsureHubKey(ctx context.Context, k *healthcode.HubKey) (*healthcode.HubKey, error) {
	sealed, err := db.box.Seal(k.PrivateKey)
	if err != nil {
		return nil, err
	}
	if _, err := db.db.ExecContext(ctx, `UPDATE hub_state SET public_key = $1, private_key = $2, key_created_at = $3
		WHERE id = 1 AND public_key IS NULL`, nonNil(k.PublicKey), sealed, micros(k.CreatedAt)); err != nil {
		return nil, db.wrap(err, "store hub key")
	}
	var out healthcode.HubKey
	var created int64
	if err := db.db.QueryRowContext(ctx, `SELECT public_key, private_key, key_created_at FROM hub_state WHERE id = 1`).
		Scan(&out.PublicKey, &sealed, &created); err != nil {
		return nil, db.wrap(err, "read hub key")
	}
	if out.PrivateKey, err = db.box.Open(sealed); err != nil {
		return nil, err
	}
	out.CreatedAt = fromMicros(created)
	return &out, nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) regionKeys(ctx context.Context, q querier, id string) ([]*healthcode.RegionKey, error) {
	query := `SELECT region, kid, alg, public_key, not_before, not_after, revoked, added_at FROM hub_region_keys`
	args := []any{}
	if id != "" {
		query += ` WHERE region = $1`
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY region, added_at, kid`, args...)
	if err != nil {
		return nil, db.wrap(err, "list region keys")
	}
	defer rows.Close()
	var keys []*healthcode.RegionKey
	for rows.Next() {
		var k healthcode.RegionKey
		var notBefore, notAfter, added int64
		if err := rows.Scan(&k.Region, &k.KID, &k.Alg, &k.PublicKey, &notBefore, &notAfter, &k.Revoked, &added); err != nil {
			return nil, db.wrap(err, "scan region key")
		}
		k.NotBefore, k.NotAfter, k.AddedAt = fromMicros(notBefore), fromMicros(notAfter), fromMicros(added)
		keys = append(keys, &k)
	}
	return keys, db.wrap(rows.Err(), "list region keys")
}

func insertRegionKey(ctx context.Context, tx *sql.Tx, region string, k *healthcode.RegionKey) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO hub_region_keys (region, kid, alg, public_key, not_before, not_after, revoked, added_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		region, nonNil(k.KID), k.Alg, nonNil(k.PublicKey), micros(k.NotBefore), micros(k.NotAfter), k.Revoked, micros(k.AddedAt))
	return err
}

func bumpHubGeneration(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE hub_state SET generation = generation + 1 WHERE id = 1`)
	return err
}

// scanRegion reads a row of hubRegionColumns, opening the endpoint token.
func (db *DB) scanRegion(row rowScanner) (*healthcode.Region, error) {
	var r healthcode.Region
	var issued, created int64
	var colourMap string
	var token []byte
	if err := row.Scan(&r.ID, &r.Name, &r.Mode, &r.Endpoint, &issued, &created, &colourMap, &token, &r.Policy); err != nil {
		return nil, err
	}
	r.KeysIssuedAt, r.CreatedAt = fromMicros(issued), fromMicros(created)
	var err error
	if r.ColourMap, err = healthcode.ParseColourMap([]byte(colourMap)); err != nil {
		return nil, healthcode.Internal(err, "region "+r.ID+": stored colour map")
	}
	if len(token) > 0 {
		plain, err := db.box.Open(token)
		if err != nil {
			return nil, err
		}
		r.EndpointToken = string(plain)
	}
	return &r, nil
}
