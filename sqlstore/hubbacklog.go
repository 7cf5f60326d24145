package sqlstore

import (
	"context"

	"github.com/healthcode/healthcode"
)

// batchBacklogsQuery is one statement, so the counts and the cursors are
// of one snapshot. Each region's subqueries seek hub_batches_to
// (to_region, seq) past its cursor: acked rows, kept for ever to find
// duplicates, are never read. The oldest is the first waiting by seq, a
// single row, rather than MIN(received_at), which would read every
// waiting row.
const batchBacklogsQuery = `SELECT r.id,
	(SELECT count(*) FROM hub_batches b
		WHERE b.to_region = r.id AND b.seq > COALESCE(a.through, 0)),
	COALESCE((SELECT b.received_at FROM hub_batches b
		WHERE b.to_region = r.id AND b.seq > COALESCE(a.through, 0) ORDER BY b.seq LIMIT 1), 0),
	COALESCE(a.acked_at, 0)
	FROM hub_regions r LEFT JOIN hub_batch_acks a ON a.region = r.id
	ORDER BY r.id`

// BatchBacklogs returns what waits for each registered region, by id.
func (db *DB) BatchBacklogs(ctx context.Context) ([]healthcode.BatchBacklog, error) {
	rows, err := db.db.QueryContext(ctx, batchBacklogsQuery)
	if err != nil {
		return nil, db.wrap(err, "batch backlogs")
	}
	defer rows.Close()
	var out []healthcode.BatchBacklog
	for rows.Next() {
		var b healthcode.BatchBacklog
		var oldest, acked int64
		if err := rows.Scan(&b.Region, &b.Batches, &oldest, &acked); err != nil {
			return nil, db.wrap(err, "scan batch backlog")
		}
		b.Oldest, b.LastAck = fromMicros(oldest), fromMicros(acked)
		out = append(out, b)
	}
	return out, db.wrap(rows.Err(), "batch backlogs")
}
