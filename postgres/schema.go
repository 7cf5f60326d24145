package postgres

import (
	"context"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/sqlstore"
)

// schemaName is what OpenSchema takes: plain lower-case identifiers need no
// quoting anywhere, in SQL or in search_path.
var schemaName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// OpenSchema is Open on a store of its own inside the database of dsn: the
// schema named schema, made on first use, holds its tables (every
// connection's search_path is set to it). The hub keeps each region it
// hosts so, beside its own tables, in one database.
func OpenSchema(ctx context.Context, dsn, schema string, box *secret.Box) (*sqlstore.DB, error) {
	if !schemaName.MatchString(schema) {
		return nil, healthcode.Errorf(healthcode.EINVALID, "postgres: bad schema name %q", schema)
	}
	config, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, healthcode.Errorf(healthcode.EINVALID, "postgres: bad connection string: %v", err)
	}
	if err := createSchema(ctx, config, schema); err != nil {
		return nil, err
	}
	config.RuntimeParams["search_path"] = schema
	return openConfig(ctx, config, box)
}

func createSchema(ctx context.Context, config *pgx.ConnConfig, schema string) error {
	db := stdlib.OpenDB(*config)
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "postgres: cannot create schema " + schema, Err: err}
	}
	return nil
}
