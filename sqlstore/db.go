// Package sqlstore implements healthcode.Store once over database/sql for
// both SQLite and PostgreSQL: the SQL is written in the dialect both accept
// ($n placeholders, ON CONFLICT, RETURNING), and what cannot be shared lives
// in a small Dialect value. Packages sqlite and postgres open it.
package sqlstore

import (
	"context"
	"database/sql"
	"sync"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/secret"
)

// Dialect holds what differs between the two databases.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// ForUpdate is appended to the SELECT of a read-modify-write: " FOR
	// UPDATE" on PostgreSQL; empty on SQLite, whose transactions take the
	// write lock at BEGIN.
	ForUpdate string
	// Violation classifies a constraint error of the driver.
	Violation func(err error) Violation
}

// Violation is the kind of constraint an error broke.
type Violation int

const (
	NoViolation Violation = iota
	UniqueViolation
	ForeignKeyViolation
	CheckViolation // CHECK or NOT NULL
)

// DB is a healthcode.Store over a *sql.DB.
type DB struct {
	db      *sql.DB
	dialect Dialect
	box     *secret.Box
	stmts   sync.Map // query text → *sql.Stmt
	// closers run first when the store closes (the SQLite checkpointer).
	closers []func() error
}

var _ healthcode.Store = (*DB)(nil)

// New returns a store over db, whose schema must already be migrated; box
// seals personal columns. Packages sqlite and postgres call it.
func New(db *sql.DB, dialect Dialect, box *secret.Box) *DB {
	return &DB{db: db, dialect: dialect, box: box}
}

// SQL returns the underlying database, for tests and maintenance.
func (db *DB) SQL() *sql.DB { return db.db }

// Backend returns "sqlite" or "postgres".
func (db *DB) Backend() string { return db.dialect.Name }

// Box returns the box that seals personal columns.
func (db *DB) Box() *secret.Box { return db.box }

// Close closes the database.
func (db *DB) Close() error {
	for _, c := range db.closers {
		c()
	}
	db.closeStatements()
	return db.db.Close()
}

// OnClose has f run first when the store closes.
func (db *DB) OnClose(f func() error) { db.closers = append(db.closers, f) }

// Ping checks that the database answers, for /healthz.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "database unavailable", Err: err}
	}
	return nil
}
