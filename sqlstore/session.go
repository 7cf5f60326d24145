package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/healthcode/healthcode"
)

func (db *DB) CreateSession(ctx context.Context, s *healthcode.Session) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		nonNil(s.TokenHash), s.PersonID, micros(s.CreatedAt), micros(s.ExpiresAt))
	return db.wrap(err, "create session")
}

func (db *DB) FindSession(ctx context.Context, tokenHash []byte, now time.Time) (*healthcode.Session, error) {
	s := healthcode.Session{TokenHash: tokenHash}
	var created, expires int64
	err := db.queryRow(ctx, `SELECT person_id, created_at, expires_at FROM sessions
		WHERE token_hash = $1 AND expires_at > $2`, nonNil(tokenHash), micros(now)).Scan(&s.PersonID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("session")
	} else if err != nil {
		return nil, db.wrap(err, "find session")
	}
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &s, nil
}

// DeleteSession is idempotent: signing out twice is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := db.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, nonNil(tokenHash))
	return db.wrap(err, "delete session")
}
