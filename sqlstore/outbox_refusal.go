package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/healthcode/healthcode"
)

// RefuseOutboxBatch records the hub's refusal of an unsent batch and
// parks it at parkAfter refusals (migration 0026); see
// healthcode.OutboxStore. The count and the park are decided in the one
// UPDATE, on the row as it is, so two senders refused at once count two
// refusals and park the batch once.
func (db *DB) RefuseOutboxBatch(ctx context.Context, id string, r healthcode.OutboxRefusal, retryAt time.Time, parkAfter int) (int, bool, error) {
	if parkAfter < 0 {
		parkAfter = 0
	}
	var refusals int
	var parkedAt int64
	err := db.db.QueryRowContext(ctx, `UPDATE outbox_batches SET refusals = refusals + 1,
			refused_status = $2, refused_code = $3, refused_message = $4, refused_at = CAST($5 AS BIGINT), retry_at = $6,
			parked_at = CASE WHEN parked_at > 0 THEN parked_at
				WHEN CAST($7 AS BIGINT) > 0 AND refusals + 1 >= CAST($7 AS BIGINT) THEN CAST($5 AS BIGINT) ELSE 0 END
		WHERE id = $1 AND sent_at = 0
		RETURNING refusals, parked_at`,
		id, r.Status, r.Code, r.Message, micros(r.At), micros(retryAt), parkAfter).Scan(&refusals, &parkedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, notFound("unsent outbox batch " + id)
	}
	if err != nil {
		return 0, false, db.wrap(err, "record outbox batch refusal")
	}
	return refusals, parkedAt > 0, nil
}

// ListOutboxBatches returns the unsent batches, or the parked ones, with
// their refusals and not their bodies.
func (db *DB) ListOutboxBatches(ctx context.Context, parked bool) ([]*healthcode.OutboxBatch, error) {
	where := `WHERE sent_at = 0`
	if parked {
		where += ` AND parked_at > 0`
	}
	return db.outboxBatches(ctx, "list outbox batches", false, where)
}

// RequeueOutboxBatch clears an unsent batch's park, refusals and backoff.
func (db *DB) RequeueOutboxBatch(ctx context.Context, id string) error {
	res, err := db.db.ExecContext(ctx, `UPDATE outbox_batches SET refusals = 0, refused_status = 0, refused_code = '',
		refused_message = '', refused_at = 0, retry_at = 0, parked_at = 0 WHERE id = $1 AND sent_at = 0`, id)
	if err != nil {
		return db.wrap(err, "requeue outbox batch")
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(err, "requeue outbox batch")
	} else if n == 1 {
		return nil
	}
	var sent int64
	err = db.db.QueryRowContext(ctx, `SELECT sent_at FROM outbox_batches WHERE id = $1`, id).Scan(&sent)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("outbox batch " + id)
	} else if err != nil {
		return db.wrap(err, "requeue outbox batch")
	}
	return healthcode.Errorf(healthcode.ECONFLICT, "outbox batch %s was taken by the hub at %s: there is nothing to requeue",
		id, fromMicros(sent).Format(time.RFC3339))
}

// ParkedOutbox counts the parked batches by region, along the partial
// index of migration 0026.
func (db *DB) ParkedOutbox(ctx context.Context) (map[string]int, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT to_region, count(*) FROM outbox_batches WHERE parked_at > 0 GROUP BY to_region`)
	if err != nil {
		return nil, db.wrap(err, "count parked outbox batches")
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var to string
		var n int
		if err := rows.Scan(&to, &n); err != nil {
			return nil, db.wrap(err, "scan parked outbox count")
		}
		out[to] = n
	}
	return out, db.wrap(rows.Err(), "count parked outbox batches")
}
