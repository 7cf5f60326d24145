// Package storetest opens a fresh store for tests, on the backend chosen
// by HEALTHCODE_TEST_DB: empty or "sqlite" for SQLite in a temporary
// directory, a postgres:// URL for a fresh schema in that database. A
// PostgreSQL URL that cannot be reached fails the test rather than skip
// it, so CI cannot pass without having run against PostgreSQL.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/healthcode/healthcode/postgres"
	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/sqlite"
	"github.com/healthcode/healthcode/sqlstore"
)

// EnvVar names the backend of the tests.
const EnvVar = "HEALTHCODE_TEST_DB"

// Backend returns "sqlite" or "postgres", as chosen by HEALTHCODE_TEST_DB.
func Backend() string {
	if isPostgres(os.Getenv(EnvVar)) {
		return "postgres"
	}
	return "sqlite"
}

func isPostgres(v string) bool {
	return strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://")
}

// TestBox returns a Box with a fixed key, so tests can compute the person
// keys and hashes the store holds.
func TestBox(tb testing.TB) *secret.Box {
	tb.Helper()
	b, err := secret.New(bytes.Repeat([]byte{0x42}, secret.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MustOpenDB opens a fresh, empty store with TestBox, closed at cleanup.
func MustOpenDB(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	return MustOpenDBWith(tb, TestBox(tb))
}

// MustOpenDBWith is MustOpenDB with another box.
func MustOpenDBWith(tb testing.TB, box *secret.Box) *sqlstore.DB {
	tb.Helper()
	v := os.Getenv(EnvVar)
	switch {
	case v == "" || v == "sqlite":
		dir := tb.TempDir()
		db, err := sqlite.Open(context.Background(), dir, box)
		if err != nil {
			tb.Fatalf("open sqlite: %v", err)
		}
		tb.Cleanup(func() { db.Close() })
		remember(tb, db, func(box *secret.Box) (*sqlstore.DB, error) {
			return sqlite.Open(context.Background(), dir, box)
		})
		return db
	case isPostgres(v):
		return openPostgres(tb, v, box)
	}
	tb.Fatalf("%s=%q: want empty, \"sqlite\" or a postgres:// URL", EnvVar, v)
	return nil
}

// MustDSN returns, for tests that start a whole node, the --db URL of a
// fresh PostgreSQL schema (dropped at cleanup), or "" when the backend
// under test is SQLite (the node then uses its --data directory).
func MustDSN(tb testing.TB) string {
	tb.Helper()
	v := os.Getenv(EnvVar)
	if !isPostgres(v) {
		return ""
	}
	return WithSearchPath(tb, v, freshSchema(tb, v))
}

// openPostgres makes schema t_<random> and opens the store inside it;
// cleanup drops the schema.
func openPostgres(tb testing.TB, dsn string, box *secret.Box) *sqlstore.DB {
	tb.Helper()
	ctx := context.Background()
	schema := freshSchema(tb, dsn)
	dsn = WithSearchPath(tb, dsn, schema)
	db, err := postgres.Open(ctx, dsn, box)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	remember(tb, db, func(box *secret.Box) (*sqlstore.DB, error) {
		return postgres.Open(context.Background(), dsn, box)
	})
	return db
}

// freshSchema creates schema t_<random> and drops it at cleanup. It fails
// the test, never skips it, when PostgreSQL cannot be reached.
func freshSchema(tb testing.TB, dsn string) string {
	tb.Helper()
	ctx := context.Background()
	admin, err := postgres.OpenRaw(ctx, dsn)
	if err != nil {
		tb.Fatalf("%s: %v", EnvVar, err)
	}
	defer admin.Close()
	schema := "t_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatalf("%s: create schema: %v", EnvVar, err)
	}
	tb.Cleanup(func() {
		admin, err := postgres.OpenRaw(context.Background(), dsn)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer admin.Close()
		// With it go the schemas named after it: the stores of the regions
		// a hub on it hosts (postgres.OpenSchema).
		drop := []string{schema}
		rows, err := admin.QueryContext(context.Background(), `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, schema+`\_%`)
		if err != nil {
			tb.Errorf("list schemas of %s: %v", schema, err)
			return
		}
		for rows.Next() {
			var name string
			if rows.Scan(&name) == nil {
				drop = append(drop, name)
			}
		}
		rows.Close()
		for _, name := range drop {
			if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+name+` CASCADE`); err != nil {
				tb.Errorf("drop schema %s: %v", name, err)
			}
		}
	})
	return schema
}

// reopeners maps each store MustOpenDB made to a function that opens the
// same database again.
var reopeners sync.Map

func remember(tb testing.TB, db *sqlstore.DB, reopen func(*secret.Box) (*sqlstore.DB, error)) {
	reopeners.Store(db, reopen)
	tb.Cleanup(func() { reopeners.Delete(db) })
}

// Reopen opens the database behind db a second time, as a restarted node
// would, with box; the caller closes what it returns.
func Reopen(tb testing.TB, db *sqlstore.DB, box *secret.Box) (*sqlstore.DB, error) {
	tb.Helper()
	f, ok := reopeners.Load(db)
	if !ok {
		tb.Fatal("storetest: Reopen of a store MustOpenDB did not make")
	}
	return f.(func(*secret.Box) (*sqlstore.DB, error))(box)
}

// WithSearchPath returns dsn with its search_path set to schema.
func WithSearchPath(tb testing.TB, dsn, schema string) string {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("%s: %v", EnvVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
