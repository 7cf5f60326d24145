package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// DropOutboxBatches deletes parked batches with their records and keeps
// a row of each in outbox_drops (migration 0027); see
// healthcode.OutboxStore. Each batch is first claimed by an UPDATE that
// matches it only while parked and not sent: on PostgreSQL that locks
// its row, so a requeue, a refusal or a mark sent of it at the same time
// waits for the drop and then finds no batch; on SQLite the transaction
// holds the write lock from its start.
func (db *DB) DropOutboxBatches(ctx context.Context, ids []string, reason string, at time.Time) ([]*healthcode.OutboxDrop, error) {
	reason = strings.TrimSpace(reason)
	var fe healthcode.FieldErrors
	if reason == "" {
		fe.Add("reason", "required: why the records are discarded")
	} else if len(reason) > healthcode.MaxOutboxDropReason {
		fe.Add("reason", "at most "+strconv.Itoa(healthcode.MaxOutboxDropReason)+" bytes")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.wrap(err, "begin drop outbox batches")
	}
	defer tx.Rollback()
	var drops []*healthcode.OutboxDrop
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		d, err := db.dropOutboxBatch(ctx, tx, id, reason, at)
		if err != nil {
			return nil, err
		}
		drops = append(drops, d)
	}
	if err := tx.Commit(); err != nil {
		return nil, db.wrap(err, "commit drop outbox batches")
	}
	return drops, nil
}

func (db *DB) dropOutboxBatch(ctx context.Context, tx *sql.Tx, id, reason string, at time.Time) (*healthcode.OutboxDrop, error) {
	d := &healthcode.OutboxDrop{BatchID: id, DroppedAt: fromMicros(micros(at)), Reason: reason}
	var created, refusedAt, parkedAt int64
	err := tx.QueryRowContext(ctx, `UPDATE outbox_batches SET parked_at = parked_at WHERE id = $1 AND sent_at = 0 AND parked_at > 0
		RETURNING to_region, created_at, refusals, refused_status, refused_code, refused_at, parked_at`, id).
		Scan(&d.To, &created, &d.Refusals, &d.LastStatus, &d.LastCode, &refusedAt, &parkedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.undroppable(ctx, tx, id)
	}
	if err != nil {
		return nil, db.wrap(err, "claim parked outbox batch")
	}
	d.CreatedAt, d.LastRefusedAt, d.ParkedAt = fromMicros(created), fromMicros(refusedAt), fromMicros(parkedAt)
	n, err := db.deleteOutboxBatch(ctx, tx, id, "drop")
	if err != nil {
		return nil, err
	}
	d.Records = int(n) // what was discarded: the rows deleted
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_drops (batch_id, to_region, records, created_at, refusals, refused_status,
			refused_code, refused_at, parked_at, dropped_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		id, d.To, d.Records, created, d.Refusals, d.LastStatus, d.LastCode, refusedAt, parkedAt, micros(at), reason); err != nil {
		return nil, db.wrap(err, "record outbox drop")
	}
	return d, nil
}

// undroppable says why the batch with id cannot be dropped.
func (db *DB) undroppable(ctx context.Context, tx *sql.Tx, id string) error {
	var sent int64
	err := tx.QueryRowContext(ctx, `SELECT sent_at FROM outbox_batches WHERE id = $1`, id).Scan(&sent)
	switch {
	case err == nil && sent > 0:
		return healthcode.Errorf(healthcode.ECONFLICT, "outbox batch %s was taken by the hub at %s: there is nothing to drop (sent batches are purged after the retention)",
			id, fromMicros(sent).Format(time.RFC3339))
	case err == nil:
		return healthcode.Errorf(healthcode.ECONFLICT, "outbox batch %s is not parked: the node still posts it, and only a parked batch can be dropped", id)
	case !errors.Is(err, sql.ErrNoRows):
		return db.wrap(err, "look up outbox batch")
	}
	var dropped int64
	err = tx.QueryRowContext(ctx, `SELECT dropped_at FROM outbox_drops WHERE batch_id = $1`, id).Scan(&dropped)
	switch {
	case err == nil:
		return healthcode.Errorf(healthcode.ENOTFOUND, "outbox batch %s was dropped already, at %s", id, fromMicros(dropped).Format(time.RFC3339))
	case !errors.Is(err, sql.ErrNoRows):
		return db.wrap(err, "look up outbox drop")
	}
	return notFound("outbox batch " + id)
}

// ListOutboxDrops returns the batches dropped, in the order they were.
func (db *DB) ListOutboxDrops(ctx context.Context) ([]*healthcode.OutboxDrop, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT batch_id, to_region, records, created_at, refusals, refused_status, refused_code,
		refused_at, parked_at, dropped_at, reason FROM outbox_drops ORDER BY dropped_at, batch_id`)
	if err != nil {
		return nil, db.wrap(err, "list outbox drops")
	}
	defer rows.Close()
	var drops []*healthcode.OutboxDrop
	for rows.Next() {
		d := &healthcode.OutboxDrop{}
		var created, refusedAt, parkedAt, dropped int64
		if err := rows.Scan(&d.BatchID, &d.To, &d.Records, &created, &d.Refusals, &d.LastStatus, &d.LastCode,
			&refusedAt, &parkedAt, &dropped, &d.Reason); err != nil {
			return nil, db.wrap(err, "scan outbox drop")
		}
		d.CreatedAt, d.LastRefusedAt, d.ParkedAt, d.DroppedAt = fromMicros(created), fromMicros(refusedAt), fromMicros(parkedAt), fromMicros(dropped)
		drops = append(drops, d)
	}
	return drops, db.wrap(rows.Err(), "list outbox drops")
}
