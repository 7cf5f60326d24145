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
// The phone number is kept sealed and found by its keyed hash.
func (db *DB) FindOrCreatePerson(ctx context.Context, phone string, subject []byte, now time.Time) (*healthcode.Person, error) {
	hash := db.phoneHash(phone)
	p, err := db.findPerson(ctx, `phone_hash = $1`, hash)
	if healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		return p, err
	}
	sealed, err := db.box.Seal([]byte(phone))
	if err != nil {
		return nil, err
	}
	if _, err := db.db.ExecContext(ctx,
		`INSERT INTO persons (phone_hash, phone, subject, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (phone_hash) DO NOTHING`,
		hash, sealed, nonNil(subject), micros(now)); err != nil {
		return nil, db.wrap(err, "create person")
	}
	return db.findPerson(ctx, `phone_hash = $1`, hash)
}

// phoneHash is how phone numbers are looked up without being stored in the clear.
func (db *DB) phoneHash(phone string) []byte { return db.box.Hash("phone", []byte(phone)) }

func (db *DB) FindPerson(ctx context.Context, id int64) (*healthcode.Person, error) {
	return db.findPerson(ctx, `id = $1`, id)
}

func (db *DB) findPerson(ctx context.Context, where string, arg any) (*healthcode.Person, error) {
	var p healthcode.Person
	var created int64
	var phone []byte
	err := db.queryRow(ctx, `SELECT id, phone, subject, created_at FROM persons WHERE `+where, arg).
		Scan(&p.ID, &phone, &p.Subject, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("person")
	} else if err != nil {
		return nil, db.wrap(err, "find person")
	}
	plain, err := db.box.Open(phone)
	if err != nil {
		return nil, err
	}
	p.Phone = string(plain)
	p.CreatedAt = fromMicros(created)
	return &p, nil
}

// FindPersonByIDNumber finds a person by the keyed hash of the number, the
// only comparable form the store keeps.
func (db *DB) FindPersonByIDNumber(ctx context.Context, idNumber string) (int64, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT person_id FROM profiles WHERE person_key = $1`, db.box.PersonKey(idNumber)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("person")
	}
	return id, db.wrap(err, "find person by document")
}
