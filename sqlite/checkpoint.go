package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/healthcode/healthcode"
)

// checkpointEvery is how often the checkpointer copies the WAL into the
// database file.
const checkpointEvery = 100 * time.Millisecond

// startCheckpointer copies the WAL into the database file in the
// background, on a connection of its own, until stop is called. SQLite's
// automatic checkpoint makes the commit that crosses 1000 WAL pages copy
// them and wait for the disk: under a steady stream of scans that stalls
// the one writer for milliseconds every few commits. A PASSIVE checkpoint
// here runs beside the writer and the readers and waits for neither.
func startCheckpointer(path string) (stop func() error, err error) {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, healthcode.Internal(err, "sqlite: open checkpointer")
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			// Errors (a busy database) are left to the next round.
			db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}()
	return func() error {
		cancel()
		<-done
		return db.Close()
	}, nil
}
