package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/sqlite"
)

// No commit checkpoints (wal_autocheckpoint is off): the background
// checkpointer must, or the WAL would grow without end. Once it has copied
// a WAL into the database, the next write starts the WAL over, so writing
// the same amount twice leaves a WAL of about one round, not two.
func TestCheckpointerKeepsTheWALBounded(t *testing.T) {
	box, err := secret.New(bytes.Repeat([]byte{0x42}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), dir, box)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE filler (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	wal := filepath.Join(dir, sqlite.FileName+"-wal")
	round := func() {
		for range 40 {
			if _, err := db.SQL().ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 25)
				INSERT INTO filler SELECT randomblob(4000) FROM n`); err != nil {
				t.Fatal(err)
			}
		}
	}
	size := func() int64 {
		fi, err := os.Stat(wal)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// A round writes 40 × 25 blobs of 4,000 bytes: 4 MB of pages, more
	// with their frames' headers. Without checkpoints two rounds leave a
	// WAL of over 8 MB; with them, at most about one round and a half (the
	// checkpointer may also run during a round on a slow machine, which
	// only leaves less).
	const roundBytes = 40 * 25 * 4000
	round()
	// The checkpointer runs every 100 ms; asking SQLite whether it did
	// would checkpoint too, so give it ample time instead.
	time.Sleep(time.Second)
	round()
	if two := size(); two > roundBytes+roundBytes/2 {
		t.Errorf("WAL of %d bytes after two rounds of %d: it was not restarted after the checkpoint", two, roundBytes)
	}
}
