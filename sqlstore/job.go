package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/healthcode/healthcode"
)

const jobColumns = `id, kind, reason, state, total, done, changed, error, token_id, created_at, started_at, finished_at`

// CreateJob stores j and sets j.ID; its heartbeat is its creation.
func (db *DB) CreateJob(ctx context.Context, j *healthcode.Job) error {
	err := db.db.QueryRowContext(ctx, `INSERT INTO jobs (kind, reason, state, total, done, changed, error, token_id,
			created_at, started_at, finished_at, heartbeat_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $9) RETURNING id`,
		j.Kind, j.Reason, j.State, j.Total, j.Done, j.Changed, j.Error, j.TokenID,
		micros(j.CreatedAt), micros(j.StartedAt), micros(j.FinishedAt)).Scan(&j.ID)
	return db.wrap(err, "create job")
}

// UpdateJob writes what changes while a job runs, and now as its
// heartbeat.
func (db *DB) UpdateJob(ctx context.Context, j *healthcode.Job, now time.Time) error {
	res, err := db.db.ExecContext(ctx, `UPDATE jobs SET state = $2, total = $3, done = $4, changed = $5, error = $6,
			started_at = $7, finished_at = $8, heartbeat_at = $9 WHERE id = $1`,
		j.ID, j.State, j.Total, j.Done, j.Changed, j.Error, micros(j.StartedAt), micros(j.FinishedAt), micros(now))
	if err != nil {
		return db.wrap(err, "update job")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("job")
	}
	return nil
}

// FindJob returns a job by id.
func (db *DB) FindJob(ctx context.Context, id int64) (*healthcode.Job, error) {
	var j healthcode.Job
	var created, started, finished int64
	err := db.queryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id).Scan(&j.ID, &j.Kind, &j.Reason,
		&j.State, &j.Total, &j.Done, &j.Changed, &j.Error, &j.TokenID, &created, &started, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("job")
	} else if err != nil {
		return nil, db.wrap(err, "find job")
	}
	j.CreatedAt, j.StartedAt, j.FinishedAt = fromMicros(created), fromMicros(started), fromMicros(finished)
	return &j, nil
}

// TouchJobs sets the heartbeat of those of ids still queued or running.
func (db *DB) TouchJobs(ctx context.Context, ids []int64, now time.Time) error {
	return db.touch(ctx, "jobs", ids, now)
}
