package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// The public id of an organisation ("G000001") is generated from its row
// id (orgs.seq), as a venue's is.

const orgColumns = `id, kind, name, division, test_window, webhook, created_at`

// CreateOrg stores o and sets o.ID; CreatedAt is kept when the caller set
// it and is the current time otherwise. A zero TestWindow is stored as
// healthcode.DefaultTestWindow.
func (db *DB) CreateOrg(ctx context.Context, o *healthcode.Org) error {
	created := o.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	created = stored(created)
	if o.TestWindow <= 0 {
		o.TestWindow = healthcode.DefaultTestWindow
	}
	var id string
	err := db.db.QueryRowContext(ctx, `INSERT INTO orgs (kind, name, division, test_window, webhook, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		o.Kind, o.Name, o.Division, o.TestWindow.Microseconds(), o.Webhook, micros(created)).Scan(&id)
	if err != nil {
		return db.wrap(err, "create org")
	}
	o.ID, o.CreatedAt = id, created
	return nil
}

// FindOrg returns the organisation with id, ENOTFOUND when none.
func (db *DB) FindOrg(ctx context.Context, id string) (*healthcode.Org, error) {
	o, err := scanOrg(db.queryRow(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("organisation")
	} else if err != nil {
		return nil, db.wrap(err, "find org")
	}
	return o, nil
}

// ListOrgs lists the organisations f selects in id order; a zero Limit
// lists them all.
func (db *DB) ListOrgs(ctx context.Context, f healthcode.OrgFilter) ([]*healthcode.Org, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if f.Division != "" {
		where = append(where, "substr(division, 1, "+arg(int64(len(f.Division)))+") = "+arg(f.Division))
	}
	q := `SELECT ` + orgColumns + ` FROM orgs`
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
		return nil, db.wrap(err, "list orgs")
	}
	defer rows.Close()
	os := []*healthcode.Org{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, db.wrap(err, "list orgs")
		}
		os = append(os, o)
	}
	return os, db.wrap(rows.Err(), "list orgs")
}

// UpdateOrg replaces the name, test window and webhook of o.ID.
func (db *DB) UpdateOrg(ctx context.Context, o *healthcode.Org) error {
	if o.TestWindow <= 0 {
		o.TestWindow = healthcode.DefaultTestWindow
	}
	res, err := db.db.ExecContext(ctx, `UPDATE orgs SET name = $1, test_window = $2, webhook = $3 WHERE id = $4`,
		o.Name, o.TestWindow.Microseconds(), o.Webhook, o.ID)
	if err != nil {
		return db.wrap(err, "update org")
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(err, "update org")
	} else if n == 0 {
		return notFound("organisation")
	}
	return nil
}

func scanOrg(r rowScanner) (*healthcode.Org, error) {
	var o healthcode.Org
	var window, created int64
	if err := r.Scan(&o.ID, &o.Kind, &o.Name, &o.Division, &window, &o.Webhook, &created); err != nil {
		return nil, err
	}
	o.TestWindow = time.Duration(window) * time.Microsecond
	o.CreatedAt = fromMicros(created)
	return &o, nil
}
