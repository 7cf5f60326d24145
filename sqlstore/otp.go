package sqlstore

import (
	"context"
	"errors"

	"github.com/healthcode/healthcode"
)

// UpdateOTP holds the phone's row locked from read to write: FOR UPDATE on
// PostgreSQL; on SQLite the transaction takes the database write lock at
// BEGIN (_txlock=immediate). The insert first makes a row to lock for a
// phone seen for the first time.
func (db *DB) UpdateOTP(ctx context.Context, phone string, fn func(*healthcode.OTP) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "begin otp")
	}
	defer tx.Rollback()

	key := db.phoneHash(phone)
	if _, err := tx.ExecContext(ctx, `INSERT INTO otps (phone_hash) VALUES ($1) ON CONFLICT (phone_hash) DO NOTHING`, key); err != nil {
		return db.wrap(err, "create otp")
	}
	o := healthcode.OTP{Phone: phone}
	var expires, locked, sent, window int64
	if err := tx.QueryRowContext(ctx, `SELECT code_hash, expires_at, attempts, locked_until, sent_at, send_count, window_start
		FROM otps WHERE phone_hash = $1`+db.dialect.ForUpdate, key).
		Scan(&o.CodeHash, &expires, &o.Attempts, &locked, &sent, &o.SendCount, &window); err != nil {
		return db.wrap(err, "read otp")
	}
	o.ExpiresAt, o.LockedUntil, o.SentAt, o.WindowStart = fromMicros(expires), fromMicros(locked), fromMicros(sent), fromMicros(window)

	fnErr := fn(&o)
	var keep *healthcode.KeepError
	if fnErr != nil && !errors.As(fnErr, &keep) {
		return fnErr
	}
	if _, err := tx.ExecContext(ctx, `UPDATE otps SET code_hash = $2, expires_at = $3, attempts = $4, locked_until = $5,
			sent_at = $6, send_count = $7, window_start = $8 WHERE phone_hash = $1`,
		key, o.CodeHash, micros(o.ExpiresAt), o.Attempts, micros(o.LockedUntil),
		micros(o.SentAt), o.SendCount, micros(o.WindowStart)); err != nil {
		return db.wrap(err, "write otp")
	}
	if err := tx.Commit(); err != nil {
		return db.wrap(err, "commit otp")
	}
	if keep != nil {
		return keep.Err
	}
	return nil
}
