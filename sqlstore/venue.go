package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// The public id of a venue ("V000001") is a column generated from its
// integer row id (venues.seq), which the database hands out: nodes sharing
// one PostgreSQL database never make the same id twice. Listings order by
// the row id, which is the order of the ids even past V999999.

const venueColumns = `id, name, kind, division, address, capacity, policy, max_stay, created_at, updated_at`

// CreateVenue stores v and sets v.ID; CreatedAt is kept when the caller
// set it (the node's clock) and is the current time otherwise, UpdatedAt
// is CreatedAt unless set. Both come back as stored: UTC, microseconds.
func (db *DB) CreateVenue(ctx context.Context, v *healthcode.Venue) error {
	created := v.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	created = stored(created)
	updated := stored(v.UpdatedAt)
	if updated.IsZero() {
		updated = created
	}
	policy, err := toJSON(v.Policy)
	if err != nil {
		return err
	}
	var id string
	err = db.db.QueryRowContext(ctx, `INSERT INTO venues (name, kind, division, address, capacity, policy, max_stay, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		v.Name, v.Kind, v.Division, v.Address, int64(v.Capacity), policy, v.MaxStay.Microseconds(),
		micros(created), micros(updated)).Scan(&id)
	if err != nil {
		return db.wrap(err, "create venue")
	}
	v.ID, v.CreatedAt, v.UpdatedAt = id, created, updated
	return nil
}

// FindVenue returns the venue with id, ENOTFOUND when none.
func (db *DB) FindVenue(ctx context.Context, id string) (*healthcode.Venue, error) {
	v, err := scanVenue(db.queryRow(ctx, `SELECT `+venueColumns+` FROM venues WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("venue")
	} else if err != nil {
		return nil, db.wrap(err, "find venue")
	}
	return v, nil
}

// ListVenues lists the venues f selects in id order; a zero Limit lists
// them all.
func (db *DB) ListVenues(ctx context.Context, f healthcode.VenueFilter) ([]*healthcode.Venue, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Division != "" {
		// The range lets the index on division find the prefix; the exact
		// test keeps any collation from widening it.
		if hi, ok := prefixEnd(f.Division); ok {
			where = append(where, "division >= "+arg(f.Division)+" AND division < "+arg(hi))
		}
		where = append(where, "substr(division, 1, "+arg(int64(len(f.Division)))+") = "+arg(f.Division))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return []*healthcode.Venue{}, nil
		}
		list, err := db.textsArg(f.IDs)
		if err != nil {
			return nil, err
		}
		where = append(where, "id "+db.inTexts(len(args)+1))
		args = append(args, list)
	}
	q := `SELECT ` + venueColumns + ` FROM venues`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := int64(f.Limit)
	if limit <= 0 {
		limit = math.MaxInt64
	}
	q += " ORDER BY seq LIMIT " + arg(limit) + " OFFSET " + arg(int64(max(f.Offset, 0)))
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.wrap(err, "list venues")
	}
	defer rows.Close()
	vs := []*healthcode.Venue{}
	for rows.Next() {
		v, err := scanVenue(rows)
		if err != nil {
			return nil, db.wrap(err, "list venues")
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "list venues")
	}
	return vs, nil
}

// UpdateVenue replaces the name, address, capacity, policy and maximum
// stay of v.ID, and its UpdatedAt (the current time when v leaves it
// zero); ENOTFOUND when there is no such venue.
func (db *DB) UpdateVenue(ctx context.Context, v *healthcode.Venue) error {
	updated := v.UpdatedAt
	if updated.IsZero() {
		updated = time.Now()
	}
	updated = stored(updated)
	policy, err := toJSON(v.Policy)
	if err != nil {
		return err
	}
	res, err := db.db.ExecContext(ctx, `UPDATE venues SET name = $1, address = $2, capacity = $3, policy = $4,
		max_stay = $5, updated_at = $6 WHERE id = $7`,
		v.Name, v.Address, int64(v.Capacity), policy, v.MaxStay.Microseconds(), micros(updated), v.ID)
	if err != nil {
		return db.wrap(err, "update venue")
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(err, "update venue")
	} else if n == 0 {
		return notFound("venue")
	}
	v.UpdatedAt = updated
	return nil
}

func scanVenue(r rowScanner) (*healthcode.Venue, error) {
	var v healthcode.Venue
	var capacity, maxStay, created, updated int64
	var policy string
	if err := r.Scan(&v.ID, &v.Name, &v.Kind, &v.Division, &v.Address, &capacity, &policy, &maxStay,
		&created, &updated); err != nil {
		return nil, err
	}
	if err := fromJSON(policy, &v.Policy); err != nil {
		return nil, err
	}
	v.Capacity = int(capacity)
	v.MaxStay = time.Duration(maxStay) * time.Microsecond
	v.CreatedAt, v.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &v, nil
}

// prefixEnd is the least string above every string that starts with a
// prefix of ASCII digits (the division codes); ok is false for any other
// prefix.
func prefixEnd(prefix string) (string, bool) {
	for i := 0; i < len(prefix); i++ {
		if prefix[i] < '0' || prefix[i] > '9' {
			return "", false
		}
	}
	b := []byte(prefix)
	b[len(b)-1]++ // '9' becomes ':', still ASCII
	return string(b), true
}

// inTexts is "IN <the strings of parameter $n>", n a textsArg.
func (db *DB) inTexts(n int) string {
	if db.dialect.Name == "postgres" {
		return "= ANY(CAST($" + strconv.Itoa(n) + " AS TEXT[]))"
	}
	return "IN (SELECT value FROM json_each($" + strconv.Itoa(n) + "))"
}

// textsArg is list as the parameter of inTexts: an array on PostgreSQL, a
// JSON array on SQLite.
func (db *DB) textsArg(list []string) (any, error) {
	if db.dialect.Name == "postgres" {
		return list, nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return nil, healthcode.Internal(err, "encode list")
	}
	return string(b), nil
}
