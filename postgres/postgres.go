// Package postgres opens the store on PostgreSQL, for production and for
// several stateless nodes sharing one database.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the pg_advisory_lock key held while migrating, so nodes
// starting together apply each migration once.
const migrationLock = 0x6865616c7468 // "health"

// Dialect is PostgreSQL's: row locks for read-modify-write.
var Dialect = sqlstore.Dialect{Name: "postgres", ForUpdate: " FOR UPDATE", Violation: violation}

// Open connects to dsn (a postgres:// URL or key=value string), applies
// the migrations and checks that box is the key the database was created
// with.
func Open(ctx context.Context, dsn string, box *secret.Box) (*sqlstore.DB, error) {
	config, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, healthcode.Errorf(healthcode.EINVALID, "postgres: bad connection string: %v", err)
	}
	return openConfig(ctx, config, box)
}

func openConfig(ctx context.Context, config *pgx.ConnConfig, box *secret.Box) (*sqlstore.DB, error) {
	db := stdlib.OpenDB(*config)
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	store := sqlstore.New(db, Dialect, box)
	if err := setUp(ctx, store); err != nil {
		db.Close()
		return nil, err
	}
	return store, nil
}

func setUp(ctx context.Context, store *sqlstore.DB) error {
	conn, err := store.SQL().Conn(ctx)
	if err != nil {
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "postgres: cannot connect", Err: err}
	}
	defer conn.Close()
	// The lock belongs to this session: take and release it on conn.
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return healthcode.Internal(err, "postgres: lock migrations")
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return healthcode.Internal(err, "postgres: migrations")
	}
	if err := sqlstore.Migrate(ctx, conn, sub); err != nil {
		return err
	}
	return store.CheckKey(ctx)
}

func violation(err error) sqlstore.Violation {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return sqlstore.NoViolation
	}
	switch e.Code {
	case "23505":
		return sqlstore.UniqueViolation
	case "23503":
		return sqlstore.ForeignKeyViolation
	case "23514", "23502":
		return sqlstore.CheckViolation
	}
	return sqlstore.NoViolation
}

// OpenRaw connects without migrating or checking keys: for tests and
// tools that manage schemas themselves. It fails when the server cannot be
// reached.
func OpenRaw(ctx context.Context, dsn string) (*sql.DB, error) {
	config, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, healthcode.Errorf(healthcode.EINVALID, "postgres: bad connection string: %v", err)
	}
	db := stdlib.OpenDB(*config)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "postgres: cannot connect", Err: err}
	}
	return db, nil
}
