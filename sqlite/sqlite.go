// Package sqlite opens the embedded store: one file in the data directory,
// no server to run.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/sqlstore"
)

// FileName is the database file in the data directory.
const FileName = "healthcode.db"

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is SQLite's: no FOR UPDATE, since every transaction begins
// IMMEDIATE and so holds the write lock from BEGIN.
var Dialect = sqlstore.Dialect{Name: "sqlite", Violation: violation}

// Open opens (creating if needed) DIR/healthcode.db, applies the
// migrations and checks that box is the key the database was created with.
func Open(ctx context.Context, dataDir string, box *secret.Box) (*sqlstore.DB, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, healthcode.Internal(err, "sqlite: create data directory")
	}
	db, err := sql.Open("sqlite", dsn(filepath.Join(dataDir, FileName)))
	if err != nil {
		return nil, healthcode.Internal(err, "sqlite: open")
	}
	// WAL lets readers run beside the one writer; a few connections are
	// enough for that, more only queue on the write lock.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	store := sqlstore.New(db, Dialect, box)
	if err := setUp(ctx, store); err != nil {
		db.Close()
		return nil, err
	}
	stop, err := startCheckpointer(filepath.Join(dataDir, FileName))
	if err != nil {
		db.Close()
		return nil, err
	}
	store.OnClose(stop)
	return store, nil
}

// dsn sets the pragmas on every new connection of the pool.
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Statement journals and sorts in memory: a multi-row write journals
	// every page it changes first (the bulk recompute's wrote gigabytes
	// of them to temporary files), and every such file is a system call
	// per page.
	q.Add("_pragma", "temp_store(MEMORY)")
	// No commit copies the WAL into the database itself: the checkpointer
	// does, beside the writers (checkpoint.go).
	q.Add("_pragma", "wal_autocheckpoint(0)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

func setUp(ctx context.Context, store *sqlstore.DB) error {
	conn, err := store.SQL().Conn(ctx)
	if err != nil {
		return healthcode.Internal(err, "sqlite: connect")
	}
	defer conn.Close()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return healthcode.Internal(err, "sqlite: migrations")
	}
	if err := sqlstore.Migrate(ctx, conn, sub); err != nil {
		return err
	}
	return store.CheckKey(ctx)
}

func violation(err error) sqlstore.Violation {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return sqlstore.NoViolation
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return sqlstore.UniqueViolation
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqlstore.ForeignKeyViolation
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return sqlstore.CheckViolation
	}
	return sqlstore.NoViolation
}
