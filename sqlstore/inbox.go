package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/healthcode/healthcode"
)

var _ healthcode.InboxStore = (*DB)(nil)

// InboxCursor returns the last hub seq the node dealt with.
func (db *DB) InboxCursor(ctx context.Context) (int64, error) {
	var seq int64
	err := db.db.QueryRowContext(ctx, `SELECT seq FROM hub_inbox_cursor WHERE id = 1`).Scan(&seq)
	return seq, db.wrap(err, "read inbox cursor")
}

// AdvanceInboxCursor moves the cursor forward only: a late or repeated
// call never makes batches read again.
func (db *DB) AdvanceInboxCursor(ctx context.Context, seq int64) error {
	return db.advanceInbox(ctx, db.db, seq)
}

// RecordInboxBatch inserts the batch unless its id is there, and moves the
// cursor in the same transaction: of two receivers applying one batch at
// once, one records it and the other learns it was there.
func (db *DB) RecordInboxBatch(ctx context.Context, b *healthcode.InboxBatch) (bool, error) {
	summary, err := toJSON(b.Summary)
	if err != nil {
		return false, err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, db.wrap(err, "begin record inbox batch")
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO hub_inbox_batches (id, from_region, seq, applied_at, summary)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
		b.ID, b.From, b.Seq, micros(b.AppliedAt), summary)
	if err != nil {
		return false, db.wrap(err, "record inbox batch")
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, db.wrap(err, "record inbox batch")
	} else if n == 0 {
		return false, nil
	}
	if err := db.advanceInbox(ctx, tx, b.Seq); err != nil {
		return false, err
	}
	return true, db.wrap(tx.Commit(), "commit inbox batch")
}

// FindInboxBatch returns the applied batch with id.
func (db *DB) FindInboxBatch(ctx context.Context, id string) (*healthcode.InboxBatch, error) {
	b := healthcode.InboxBatch{ID: id}
	var applied int64
	var summary string
	err := db.db.QueryRowContext(ctx, `SELECT from_region, seq, applied_at, summary FROM hub_inbox_batches WHERE id = $1`, id).
		Scan(&b.From, &b.Seq, &applied, &summary)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("inbox batch " + id)
	} else if err != nil {
		return nil, db.wrap(err, "find inbox batch")
	}
	b.AppliedAt = fromMicros(applied)
	if err := fromJSON(summary, &b.Summary); err != nil {
		return nil, err
	}
	return &b, nil
}

func (db *DB) advanceInbox(ctx context.Context, ex execer, seq int64) error {
	_, err := ex.ExecContext(ctx, `UPDATE hub_inbox_cursor SET seq = $1, updated_at = $2 WHERE id = 1 AND seq < $1`,
		seq, time.Now().UnixMicro())
	return db.wrap(err, "advance inbox cursor")
}
