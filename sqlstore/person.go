package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/healthcode/healthcode"
)

// FindOrCreatePerson is race-safe across nodes: the insert yields to a
// concurrent one on the phone's unique index and everyone reads the winner.
func (db *DB) FindOrCreatePerson(ctx context.Context, phone string, subject []byte, now time.Time) (*healthcode.Person, error) {
	p, err := db.findPerson(ctx, `phone = $1`, phone)
	if healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		return p, err
	}
	if _, err := db.db.ExecContext(ctx,
		`INSERT INTO persons (phone, subject, created_at) VALUES ($1, $2, $3) ON CONFLICT (phone) DO NOTHING`,
		phone, nonNil(subject), micros(now)); err != nil {
		return nil, db.wrap(err, "create person")
	}
	return db.findPerson(ctx, `phone = $1`, phone)
}

func (db *DB) FindPerson(ctx context.Context, id int64) (*healthcode.Person, error) {
	return db.findPerson(ctx, `id = $1`, id)
}

func (db *DB) findPerson(ctx context.Context, where string, arg any) (*healthcode.Person, error) {
	var p healthcode.Person
	var created int64
	err := db.queryRow(ctx, `SELECT id, phone, subject, created_at FROM persons WHERE `+where, arg).
		Scan(&p.ID, &p.Phone, &p.Subject, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("person")
	} else if err != nil {
		return nil, db.wrap(err, "find person")
	}
	p.CreatedAt = fromMicros(created)
	return &p, nil
}
