package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/healthcode/healthcode"
)

// healthChecksFacts reads the person key's checks of the last
// HealthCheckWindow for the status engine, oldest first.
func (db *DB) healthChecksFacts(ctx context.Context, personKey []byte, now time.Time) ([]healthcode.HealthCheck, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+healthCheckColumns+` FROM health_checks h
		WHERE h.person_key = $1 AND h.checked_at >= $2 ORDER BY h.checked_at, h.id`,
		personKey, micros(now.Add(-healthcode.HealthCheckWindow)))
	if err != nil {
		return nil, db.wrap(err, "facts: health checks")
	}
	var list []healthcode.HealthCheck
	_, err = db.scanHealthChecks(rows, func(c *healthcode.HealthCheck) error {
		list = append(list, *c)
		return nil
	})
	return list, err
}

// readHealthChecks fills the health checks of a chunk's facts: through
// the people's profiles, since a check names its person by key. A store
// without any check skips the join.
func (db *DB) readHealthChecks(ctx context.Context, tx *sql.Tx, c *healthcode.DueChunk, now time.Time) error {
	var any int64
	if err := tx.QueryRowContext(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM health_checks) THEN 1 ELSE 0 END`).Scan(&any); err != nil {
		return db.wrap(err, "chunk: any health checks")
	}
	if any == 0 {
		return nil
	}
	index := chunkIndex(c)
	rows, err := tx.QueryContext(ctx, `SELECT p.person_id, `+healthCheckColumns+`
		FROM profiles p JOIN health_checks h ON h.person_key = p.person_key
		WHERE p.person_id `+db.inIDs(1)+` AND h.checked_at >= $2 ORDER BY p.person_id, h.checked_at, h.id`,
		db.idsArg(idList(c)), micros(now.Add(-healthcode.HealthCheckWindow)))
	if err != nil {
		return db.wrap(err, "chunk: health checks")
	}
	var personID int64
	_, err = db.scanHealthChecks(rows, func(h *healthcode.HealthCheck) error {
		if i, ok := index[personID]; ok {
			f := &c.Statuses[i].Facts
			f.HealthChecks = append(f.HealthChecks, *h)
		}
		return nil
	}, &personID)
	return err
}
