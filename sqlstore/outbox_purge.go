package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// purgeChunk bounds the batches one purge transaction deletes, so a purge
// of a long history never holds the write lock for long.
const purgeChunk = 50

// PurgeSentOutbox deletes the batches the hub took before sentBefore, with
// their records: what was sent is the hub's and the receiving region's to
// keep, and personal data is not kept here longer than it is needed.
func (db *DB) PurgeSentOutbox(ctx context.Context, sentBefore time.Time) (records, batches int64, err error) {
	for {
		r, b, err := db.purgeSentChunk(ctx, micros(sentBefore))
		records, batches = records+r, batches+b
		if err != nil || b < purgeChunk {
			return records, batches, err
		}
	}
}

func (db *DB) purgeSentChunk(ctx context.Context, cutoff int64) (records, batches int64, err error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, db.wrap(err, "begin purge outbox")
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id FROM outbox_batches WHERE sent_at > 0 AND sent_at < $1 ORDER BY sent_at LIMIT $2`,
		cutoff, purgeChunk)
	if err != nil {
		return 0, 0, db.wrap(err, "sent outbox batches")
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, 0, db.wrap(err, "scan sent outbox batch")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, db.wrap(err, "sent outbox batches")
	}
	for _, id := range ids {
		n, err := db.deleteOutboxBatch(ctx, tx, id, "purge")
		if err != nil {
			return 0, 0, err
		}
		records += n
	}
	return records, int64(len(ids)), db.wrap(tx.Commit(), "commit purge outbox")
}

// deleteOutboxBatch deletes the batch with id and its records in tx, for
// what (drop or purge), and returns how many records it deleted.
func (db *DB) deleteOutboxBatch(ctx context.Context, tx *sql.Tx, id, what string) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE batch_id = $1`, id)
	if err != nil {
		return 0, db.wrap(err, what+" outbox records")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, db.wrap(err, what+" outbox records")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox_batches WHERE id = $1`, id); err != nil {
		return 0, db.wrap(err, what+" outbox batch")
	}
	return n, nil
}
