package sqlstore

import (
	"context"
	"database/sql"
)

// The per-request reads (sessions, statuses, people) run thousands of
// times a second; parsing their SQL each time costs more than running it.
// They go through statements prepared once and kept by query text.

func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// queryRow runs a single-row query through a prepared statement. Errors of
// preparing surface at Scan, as with (*sql.DB).QueryRowContext.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	s, err := db.prepared(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRowContext(ctx, args...)
}

type rowScanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (db *DB) closeStatements() {
	db.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}
