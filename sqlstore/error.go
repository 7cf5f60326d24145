package sqlstore

import (
	"database/sql"
	"errors"

	"github.com/healthcode/healthcode"
)

// wrap turns a driver error into a *healthcode.Error: ENOTFOUND for no rows,
// ECONFLICT for a uniqueness clash, EINVALID for a broken CHECK or NOT
// NULL, EINTERNAL otherwise. what names the operation for the log.
func (db *DB) wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var he *healthcode.Error
	if errors.As(err, &he) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &healthcode.Error{Code: healthcode.ENOTFOUND, Message: what + ": not found", Err: err}
	}
	switch db.dialect.Violation(err) {
	case UniqueViolation:
		return &healthcode.Error{Code: healthcode.ECONFLICT, Message: what + ": already exists", Err: err}
	case ForeignKeyViolation:
		return &healthcode.Error{Code: healthcode.ENOTFOUND, Message: what + ": person not found", Err: err}
	case CheckViolation:
		return &healthcode.Error{Code: healthcode.EINVALID, Message: what + ": invalid value", Err: err}
	}
	return healthcode.Internal(err, what)
}

// notFound is the ENOTFOUND error for a missing thing.
func notFound(thing string) error {
	return healthcode.Errorf(healthcode.ENOTFOUND, "%s not found", thing)
}
