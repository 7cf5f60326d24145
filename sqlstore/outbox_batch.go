package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/healthcode/healthcode"
)

// OutboxRegions returns the regions with records not packed yet.
func (db *DB) OutboxRegions(ctx context.Context) ([]string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT DISTINCT to_region FROM outbox WHERE batch_id IS NULL ORDER BY to_region`)
	if err != nil {
		return nil, db.wrap(err, "outbox regions")
	}
	defer rows.Close()
	var regions []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, db.wrap(err, "scan outbox region")
		}
		regions = append(regions, r)
	}
	return regions, db.wrap(rows.Err(), "outbox regions")
}

// UnpackedOutbox returns up to limit records to region not packed yet,
// their bodies opened.
func (db *DB) UnpackedOutbox(ctx context.Context, to string, limit int) ([]*healthcode.OutboxRecord, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT seq, kind, record_id, body, created_at FROM outbox
		WHERE to_region = $1 AND batch_id IS NULL ORDER BY seq LIMIT $2`, to, limit)
	if err != nil {
		return nil, db.wrap(err, "unpacked outbox")
	}
	defer rows.Close()
	var recs []*healthcode.OutboxRecord
	for rows.Next() {
		r := &healthcode.OutboxRecord{To: to}
		var sealed []byte
		var created int64
		if err := rows.Scan(&r.Seq, &r.Kind, &r.ID, &sealed, &created); err != nil {
			return nil, db.wrap(err, "scan outbox record")
		}
		if r.Row, err = db.box.Open(sealed); err != nil {
			return nil, err
		}
		r.CreatedAt = fromMicros(created)
		recs = append(recs, r)
	}
	return recs, db.wrap(rows.Err(), "unpacked outbox")
}

// PackOutbox stores b and sets it as the batch of seqs, in one
// transaction; ECONFLICT when any of them was packed meanwhile. On
// PostgreSQL a concurrent packer's update waits for this one's row locks
// and then finds the rows packed, so two senders never share a record.
func (db *DB) PackOutbox(ctx context.Context, b *healthcode.OutboxBatch, seqs []int64) error {
	if len(seqs) == 0 {
		return healthcode.Errorf(healthcode.EINVALID, "batch %s packs no records", b.ID)
	}
	sealed, err := db.box.Seal([]byte(b.Signed))
	if err != nil {
		return err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "begin pack outbox")
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_batches (id, to_region, signed, records, created_at) VALUES ($1, $2, $3, $4, $5)`,
		b.ID, b.To, sealed, b.Records, micros(b.CreatedAt)); err != nil {
		return db.wrap(err, "store outbox batch")
	}
	var res sql.Result
	if db.dialect.Name == "postgres" {
		// Driven by the listed seqs, one primary key probe each: filtered
		// through the unpacked index instead, each batch walked past every
		// row packed before it and not vacuumed yet (1.5 s a batch after
		// 100,000 records).
		res, err = tx.ExecContext(ctx, `UPDATE outbox o SET batch_id = $1 FROM unnest(CAST($3 AS BIGINT[])) AS s (seq)
			WHERE o.seq = s.seq AND o.to_region = $2 AND o.batch_id IS NULL`,
			b.ID, b.To, db.idsArg(joinIDs(seqs)))
	} else {
		// seqs are the first unpacked records to the region (UnpackedOutbox
		// reads them in seq order), so their range holds no other
		// unpacked record. On SQLite a record queued since has a higher
		// seq (the rowid after the largest row there is, and seqs exist
		// until packed: purge and drop delete packed rows only), so a
		// range read along the index does, and the count
		// below still catches records packed meanwhile. On PostgreSQL a
		// lower seq can commit late, hence the list there.
		res, err = tx.ExecContext(ctx, `UPDATE outbox SET batch_id = $1 WHERE to_region = $2 AND batch_id IS NULL AND seq >= $3 AND seq <= $4`,
			b.ID, b.To, slices.Min(seqs), slices.Max(seqs))
	}
	if err != nil {
		return db.wrap(err, "pack outbox")
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(err, "pack outbox")
	} else if n != int64(len(seqs)) {
		return healthcode.Errorf(healthcode.ECONFLICT, "%d of the %d records for batch %s were packed meanwhile", int64(len(seqs))-n, len(seqs), b.ID)
	}
	return db.wrap(tx.Commit(), "commit pack outbox")
}

// UnsentOutboxBatches returns the batches not sent yet, parked ones too,
// bodies opened.
func (db *DB) UnsentOutboxBatches(ctx context.Context) ([]*healthcode.OutboxBatch, error) {
	return db.outboxBatches(ctx, "unsent outbox batches", true, `WHERE sent_at = 0`)
}

// DueOutboxBatches returns the batches not sent, not parked and not
// waiting out a refusal's backoff at now, bodies opened.
func (db *DB) DueOutboxBatches(ctx context.Context, now time.Time) ([]*healthcode.OutboxBatch, error) {
	return db.outboxBatches(ctx, "due outbox batches", true, `WHERE sent_at = 0 AND parked_at = 0 AND retry_at <= $1`, micros(now))
}

// outboxBatches reads the batches where says, oldest first, their bodies
// opened with signed.
func (db *DB) outboxBatches(ctx context.Context, what string, signed bool, where string, args ...any) ([]*healthcode.OutboxBatch, error) {
	cols := `id, to_region, records, created_at, refusals, refused_status, refused_code, refused_message, refused_at, retry_at, parked_at`
	if signed {
		cols += `, signed`
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+cols+` FROM outbox_batches `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, db.wrap(err, what)
	}
	defer rows.Close()
	var bs []*healthcode.OutboxBatch
	for rows.Next() {
		b := &healthcode.OutboxBatch{}
		var sealed []byte
		var created, refusedAt, retryAt, parkedAt int64
		dest := []any{&b.ID, &b.To, &b.Records, &created, &b.Refusals, &b.LastRefusal.Status,
			&b.LastRefusal.Code, &b.LastRefusal.Message, &refusedAt, &retryAt, &parkedAt}
		if signed {
			dest = append(dest, &sealed)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, db.wrap(err, "scan outbox batch")
		}
		if signed {
			opened, err := db.box.Open(sealed)
			if err != nil {
				return nil, err
			}
			b.Signed = string(opened)
		}
		b.CreatedAt, b.LastRefusal.At = fromMicros(created), fromMicros(refusedAt)
		b.RetryAt, b.ParkedAt = fromMicros(retryAt), fromMicros(parkedAt)
		bs = append(bs, b)
	}
	return bs, db.wrap(rows.Err(), what)
}

// MarkOutboxSent marks the batch sent, and with it its records: a
// record is sent when its batch is (migration 0019), so marking a batch
// of 5,000 writes one row.
func (db *DB) MarkOutboxSent(ctx context.Context, id string, at time.Time) error {
	// A batch sent already keeps its first time: two senders may both
	// have posted it. One a sender parked while another's post of it was
	// out is sent, not parked.
	res, err := db.db.ExecContext(ctx, `UPDATE outbox_batches SET sent_at = CASE WHEN sent_at = 0 THEN $2 ELSE sent_at END, parked_at = 0 WHERE id = $1`,
		id, micros(at))
	if err != nil {
		return db.wrap(err, "mark outbox batch sent")
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(err, "mark outbox batch sent")
	} else if n == 0 {
		return notFound("outbox batch " + id)
	}
	return nil
}

// OutboxUnsent counts the records not packed plus those of batches not
// sent: both read small indexes, never the sent history.
func (db *DB) OutboxUnsent(ctx context.Context) (int64, error) {
	var unpacked, packed int64
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE batch_id IS NULL`).Scan(&unpacked); err != nil {
		return 0, db.wrap(err, "count unpacked outbox")
	}
	if err := db.db.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(records), 0) AS BIGINT) FROM outbox_batches WHERE sent_at = 0`).Scan(&packed); err != nil {
		return 0, db.wrap(err, "count unsent outbox batches")
	}
	return unpacked + packed, nil
}
