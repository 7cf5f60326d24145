package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/healthcode/healthcode"
)

var _ healthcode.AbandonedStore = (*DB)(nil)

// lastHeard is when a job's or trace's row was last heard of: its
// heartbeat, or its creation for a row written before heartbeats were.
const lastHeard = `CASE WHEN heartbeat_at = 0 THEN created_at ELSE heartbeat_at END`

// touch sets the heartbeat of those of ids in table (jobs or traces) still
// queued or running: a row that ended meanwhile keeps the heartbeat of its
// last write.
func (db *DB) touch(ctx context.Context, table string, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := db.db.ExecContext(ctx, `UPDATE `+table+` SET heartbeat_at = $1
		WHERE id `+db.inIDs(2)+` AND state IN ('queued', 'running')`, micros(now), db.idsArg(joinIDs(ids)))
	return db.wrap(err, "touch "+table)
}

// FailAbandoned fails the queued and running jobs and traces last heard of
// before cutoff, in one transaction.
func (db *DB) FailAbandoned(ctx context.Context, cutoff, now time.Time) (jobs, traces int64, err error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, db.wrap(err, "fail abandoned rows")
	}
	defer tx.Rollback()
	if jobs, err = db.failAbandoned(ctx, tx, "jobs", cutoff, now, healthcode.AbandonedJobError); err != nil {
		return 0, 0, err
	}
	if traces, err = db.failAbandoned(ctx, tx, "traces", cutoff, now, healthcode.AbandonedTraceError); err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, db.wrap(err, "fail abandoned rows")
	}
	return jobs, traces, nil
}

// failAbandoned fails the abandoned rows of table, each with the message
// of when it was last heard of. The rows are locked as read, in id order,
// on PostgreSQL: a process that touches one meanwhile, or a sweep of
// another process, waits, and the row is judged again as it then is.
func (db *DB) failAbandoned(ctx context.Context, tx *sql.Tx, table string, cutoff, now time.Time,
	message func(lastHeard time.Time) string) (int64, error) {
	what := "fail abandoned " + table
	rows, err := tx.QueryContext(ctx, `SELECT id, `+lastHeard+` FROM `+table+`
		WHERE state IN ('queued', 'running') AND `+lastHeard+` < $1 ORDER BY id`+db.dialect.ForUpdate, micros(cutoff))
	if err != nil {
		return 0, db.wrap(err, what)
	}
	type stale struct{ id, heard int64 }
	var found []stale
	for rows.Next() {
		var s stale
		if err := rows.Scan(&s.id, &s.heard); err != nil {
			rows.Close()
			return 0, db.wrap(err, what)
		}
		found = append(found, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, db.wrap(err, what)
	}
	var failed int64
	for _, s := range found {
		res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET state = $2, finished_at = $3, error = $4
			WHERE id = $1 AND state IN ('queued', 'running')`,
			s.id, healthcode.JobFailed, micros(now), message(fromMicros(s.heard)))
		if err != nil {
			return 0, db.wrap(err, what)
		}
		n, _ := res.RowsAffected()
		failed += n
	}
	return failed, nil
}
