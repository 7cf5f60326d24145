package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"time"

	"github.com/healthcode/healthcode"
)

var _ healthcode.OutboxStore = (*DB)(nil)

// QueueOutbox queues recs in one transaction; see healthcode.OutboxStore.
func (db *DB) QueueOutbox(ctx context.Context, recs []*healthcode.OutboxRecord, now time.Time) (int, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, db.wrap(err, "begin queue outbox")
	}
	defer tx.Rollback()
	q := db.outboxQueue(tx, now)
	defer q.close()
	n := 0
	for _, r := range recs {
		got, err := q.add(ctx, r)
		if err != nil {
			return 0, err
		}
		if got == queuedNew {
			n++
		}
	}
	return n, db.wrap(tx.Commit(), "commit queue outbox")
}

// queued is what became of a record queued.
type queued int

const (
	queuedNew   queued = iota
	queuedSame         // queued already, the same
	queuedOther        // queued already with another body or to another region
)

// outboxQueue queues records on a transaction: QueueOutbox's, or an
// import's, whose rows for other regions land in the same commit.
type outboxQueue struct {
	db     *DB
	tx     *sql.Tx
	now    int64
	insert *sql.Stmt
	lookup *sql.Stmt
}

func (db *DB) outboxQueue(tx *sql.Tx, now time.Time) *outboxQueue {
	return &outboxQueue{db: db, tx: tx, now: micros(now)}
}

func (q *outboxQueue) close() {
	for _, s := range []*sql.Stmt{q.insert, q.lookup} {
		if s != nil {
			s.Close()
		}
	}
}

// add queues r unless its kind and id are queued already, and says which.
func (q *outboxQueue) add(ctx context.Context, r *healthcode.OutboxRecord) (queued, error) {
	sealed, err := q.db.box.Seal(r.Row)
	if err != nil {
		return 0, err
	}
	hash := q.db.outboxHash(r)
	if q.insert == nil {
		if q.insert, err = q.tx.PrepareContext(ctx, `INSERT INTO outbox (to_region, kind, record_id, body, body_hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, record_id) DO NOTHING`); err != nil {
			return 0, q.db.wrap(err, "prepare queue outbox")
		}
	}
	res, err := q.insert.ExecContext(ctx, r.To, r.Kind, r.ID, sealed, hash, q.now)
	if err != nil {
		return 0, q.db.wrap(err, "queue outbox record")
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, q.db.wrap(err, "queue outbox record")
	} else if n == 1 {
		return queuedNew, nil
	}
	if q.lookup == nil {
		if q.lookup, err = q.tx.PrepareContext(ctx, `SELECT body_hash FROM outbox WHERE kind = $1 AND record_id = $2`); err != nil {
			return 0, q.db.wrap(err, "prepare outbox lookup")
		}
	}
	var held []byte
	if err := q.lookup.QueryRowContext(ctx, r.Kind, r.ID).Scan(&held); err != nil {
		return 0, q.db.wrap(err, "look up outbox record")
	}
	if bytes.Equal(held, hash) {
		return queuedSame, nil
	}
	return queuedOther, nil
}

// outboxHash fingerprints a record's region and body under the box's key:
// the body names a person, so a plain hash would let anyone holding the
// database try document numbers against it.
func (db *DB) outboxHash(r *healthcode.OutboxRecord) []byte {
	data := make([]byte, 0, len(r.To)+1+len(r.Row))
	data = append(append(append(data, r.To...), 0), r.Row...)
	return db.box.Hash("outbox record", data)[:16]
}
