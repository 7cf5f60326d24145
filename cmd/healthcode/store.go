package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/healthcode/healthcode/postgres"
	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/sqlite"
	"github.com/healthcode/healthcode/sqlstore"
)

// openStore opens PostgreSQL when --db is set and SQLite in --data
// otherwise. The data key comes from HEALTHCODE_KEY, or from the data
// directory (made on first use). Nodes sharing one PostgreSQL database must
// share the key: set HEALTHCODE_KEY on each.
func openStore(ctx context.Context, f storeFlags) (*sqlstore.DB, *secret.Box, error) {
	box, err := loadBox(*f.data)
	if err != nil {
		return nil, nil, err
	}
	var db *sqlstore.DB
	if *f.db != "" {
		if !strings.HasPrefix(*f.db, "postgres://") && !strings.HasPrefix(*f.db, "postgresql://") {
			return nil, nil, fmt.Errorf("--db: must be a postgres:// URL")
		}
		db, err = postgres.Open(ctx, *f.db, box)
	} else {
		db, err = sqlite.Open(ctx, *f.data, box)
	}
	if err != nil {
		return nil, nil, err
	}
	return db, box, nil
}

func loadBox(dataDir string) (*secret.Box, error) {
	if k := os.Getenv("HEALTHCODE_KEY"); k != "" {
		return secret.FromBase64(k)
	}
	return secret.LoadOrCreate(dataDir)
}
