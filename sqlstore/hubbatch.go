package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"time"

	"github.com/healthcode/healthcode"
)

const hubBatchColumns = `seq, id, from_region, to_region, issued_at, hash, signed, received_at, acked_at`

// AddBatch takes hub_batch_state's row lock before anything else: batch
// inserts run one at a time, so seqs commit in order and the id lookup
// sees every batch committed before, whichever process stored it.
func (db *DB) AddBatch(ctx context.Context, b *healthcode.Batch) (int64, bool, error) {
	// Sealed before the transaction, so the lock is not held for it.
	sealed, err := db.box.Seal(b.Signed)
	if err != nil {
		return 0, false, err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, db.wrap(err, "begin add batch")
	}
	defer tx.Rollback()
	var seq int64
	if err := tx.QueryRowContext(ctx, `UPDATE hub_batch_state SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq`).Scan(&seq); err != nil {
		return 0, false, db.wrap(err, "next batch seq")
	}
	var held int64
	var hash []byte
	switch err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM hub_batches WHERE id = $1`, b.ID).Scan(&held, &hash); {
	case err == nil && bytes.Equal(hash, b.Hash):
		return held, true, nil // the rollback gives the seq back
	case err == nil:
		return 0, false, healthcode.Errorf(healthcode.ECONFLICT, "batch %s is stored already with other content: a batch id is used once", b.ID)
	case err != sql.ErrNoRows:
		return 0, false, db.wrap(err, "find batch")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO hub_batches (`+hubBatchColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)`,
		seq, b.ID, b.From, b.To, micros(b.IssuedAt), nonNil(b.Hash), sealed, micros(b.ReceivedAt)); err != nil {
		return 0, false, db.wrap(err, "batch "+b.ID)
	}
	return seq, false, db.wrap(tx.Commit(), "commit add batch")
}

// FindBatch returns the batch with id, its body opened unless acked.
func (db *DB) FindBatch(ctx context.Context, id string) (*healthcode.Batch, error) {
	b, err := db.scanBatch(db.db.QueryRowContext(ctx, `SELECT `+hubBatchColumns+` FROM hub_batches WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("batch " + id)
	}
	return b, db.wrap(err, "find batch")
}

// BatchesTo reads the page's seqs and body sizes first and the bodies of
// those that fit second: a page of large batches is never read whole only
// to be cut. A batch acked in between drops out; none can appear below
// the seqs read, as seqs commit in order.
func (db *DB) BatchesTo(ctx context.Context, region string, since int64, limit int, maxBytes int64) ([]*healthcode.Batch, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT seq, length(signed) FROM hub_batches
		WHERE to_region = $1 AND seq > $2 AND signed IS NOT NULL ORDER BY seq LIMIT $3`, region, since, limit)
	if err != nil {
		return nil, db.wrap(err, "list batches")
	}
	var last, total int64
	for rows.Next() {
		var seq, size int64
		if err := rows.Scan(&seq, &size); err != nil {
			rows.Close()
			return nil, db.wrap(err, "scan batch size")
		}
		if last != 0 && total+size > maxBytes {
			break
		}
		last, total = seq, total+size
	}
	if err := rows.Close(); err != nil {
		return nil, db.wrap(err, "list batches")
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "list batches")
	}
	if last == 0 {
		return nil, nil
	}

	rows, err = db.db.QueryContext(ctx, `SELECT `+hubBatchColumns+` FROM hub_batches
		WHERE to_region = $1 AND seq > $2 AND seq <= $3 AND signed IS NOT NULL ORDER BY seq`, region, since, last)
	if err != nil {
		return nil, db.wrap(err, "list batches")
	}
	defer rows.Close()
	var bs []*healthcode.Batch
	for rows.Next() {
		b, err := db.scanBatch(rows)
		if err != nil {
			return nil, db.wrap(err, "scan batch")
		}
		bs = append(bs, b)
	}
	return bs, db.wrap(rows.Err(), "list batches")
}

// AckBatches moves the region's ack cursor under its row lock, so two acks
// do not both mark the same batches, and marks only those past the cursor.
func (db *DB) AckBatches(ctx context.Context, region string, through int64, at time.Time) (int, error) {
	if through < 0 {
		return 0, healthcode.FieldErrors{"through": "must be a seq, 0 or more"}.Err()
	}
	if through == 0 {
		return 0, nil
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, db.wrap(err, "begin ack batches")
	}
	defer tx.Rollback()
	// Seqs only grow: no lock needed to read the last one.
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM hub_batches WHERE to_region = $1`, region).Scan(&last); err != nil {
		return 0, db.wrap(err, "last batch seq")
	}
	if through > last {
		return 0, healthcode.FieldErrors{"through": "is past the last batch to " + region + ": ack the next of a page"}.Err()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO hub_batch_acks (region, through, acked_at) VALUES ($1, 0, 0)
		ON CONFLICT (region) DO NOTHING`, region); err != nil {
		return 0, db.wrap(err, "ack cursor")
	}
	var cursor int64
	if err := tx.QueryRowContext(ctx, `SELECT through FROM hub_batch_acks WHERE region = $1`+db.dialect.ForUpdate, region).Scan(&cursor); err != nil {
		return 0, db.wrap(err, "lock ack cursor")
	}
	if through <= cursor {
		return 0, nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE hub_batches SET signed = NULL, acked_at = $4
		WHERE to_region = $1 AND seq > $2 AND seq <= $3`, region, cursor, through, micros(at))
	if err != nil {
		return 0, db.wrap(err, "ack batches")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, db.wrap(err, "ack batches")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE hub_batch_acks SET through = $2, acked_at = $3 WHERE region = $1`,
		region, through, micros(at)); err != nil {
		return 0, db.wrap(err, "move ack cursor")
	}
	return int(n), db.wrap(tx.Commit(), "commit ack batches")
}

func (db *DB) scanBatch(row rowScanner) (*healthcode.Batch, error) {
	var b healthcode.Batch
	var issued, received, acked int64
	var sealed []byte
	if err := row.Scan(&b.Seq, &b.ID, &b.From, &b.To, &issued, &b.Hash, &sealed, &received, &acked); err != nil {
		return nil, err
	}
	b.IssuedAt, b.ReceivedAt, b.AckedAt = fromMicros(issued), fromMicros(received), fromMicros(acked)
	if sealed != nil {
		signed, err := db.box.Open(sealed)
		if err != nil {
			return nil, err
		}
		b.Signed = signed
	}
	return &b, nil
}
