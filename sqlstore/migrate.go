package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"
	"sort"
	"time"

	"github.com/healthcode/healthcode"
)

// Migrate applies the *.sql files of fsys in name order, each once and each
// in its own transaction, recording them in schema_migrations. It runs on
// one connection so the caller may hold a lock on it for the whole run.
func Migrate(ctx context.Context, conn *sql.Conn, fsys fs.FS) error {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name       TEXT PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return healthcode.Internal(err, "create schema_migrations")
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return healthcode.Internal(err, "list migrations")
	}
	sort.Strings(names)
	for _, name := range names {
		if err := migrateOne(ctx, conn, fsys, name); err != nil {
			return err
		}
	}
	return nil
}

func migrateOne(ctx context.Context, conn *sql.Conn, fsys fs.FS, name string) error {
	script, err := fs.ReadFile(fsys, name)
	if err != nil {
		return healthcode.Internal(err, "read migration "+name)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return healthcode.Internal(err, "begin migration "+name)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, name).Scan(&n); err != nil {
		return healthcode.Internal(err, "check migration "+name)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(script)); err != nil {
		return healthcode.Internal(err, "apply migration "+name)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`,
		name, time.Now().UnixMicro()); err != nil {
		return healthcode.Internal(err, "record migration "+name)
	}
	if err := tx.Commit(); err != nil {
		return healthcode.Internal(err, "commit migration "+name)
	}
	return nil
}

// ErrKeyMismatch refuses a database sealed under another data key: opening
// it would fail on every personal column, or worse, mix two keys.
var ErrKeyMismatch = &healthcode.Error{
	Code:    healthcode.EINVALID,
	Message: "the data key does not match the one this database was created with: set HEALTHCODE_KEY or use the original secret.key",
}

// CheckKey records the box's fingerprint on the first open and returns
// ErrKeyMismatch when a later open brings another key.
func (db *DB) CheckKey(ctx context.Context) error {
	fp := db.box.Fingerprint()
	if _, err := db.db.ExecContext(ctx,
		`INSERT INTO meta (key, value) VALUES ('key_fingerprint', $1) ON CONFLICT (key) DO NOTHING`, fp); err != nil {
		return healthcode.Internal(err, "store key fingerprint")
	}
	var stored string
	if err := db.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'key_fingerprint'`).Scan(&stored); err != nil {
		return healthcode.Internal(err, "read key fingerprint")
	}
	if stored != fp {
		return ErrKeyMismatch
	}
	return nil
}
