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
	got, err := q.add(ctx, recs)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, g := range got {
		if g == queuedNew {
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
	lookup *sql.Stmt
}

func (db *DB) outboxQueue(tx *sql.Tx, now time.Time) *outboxQueue {
	return &outboxQueue{db: db, tx: tx, now: micros(now)}
}

func (q *outboxQueue) close() {
	if q.lookup != nil {
		q.lookup.Close()
	}
}

// outboxColumns are the columns a queued record is inserted with.
const outboxColumns = "to_region, kind, record_id, body, body_hash, created_at"

// add queues each of recs unless its kind and id are queued already, and
// says which, in order. Many rows go in one insert: row by row, an
// import of 100,000 rows for other regions took a round trip each on
// PostgreSQL.
func (q *outboxQueue) add(ctx context.Context, recs []*healthcode.OutboxRecord) ([]queued, error) {
	got := make([]queued, len(recs))
	per := importBatchOf(q.db.dialect.Name)
	for start := 0; start < len(recs); start += per {
		if err := q.addRows(ctx, recs[start:min(start+per, len(recs))], got[start:]); err != nil {
			return nil, err
		}
	}
	return got, nil
}

// addRows queues recs in one insert and sets got[i] for recs[i].
func (q *outboxQueue) addRows(ctx context.Context, recs []*healthcode.OutboxRecord, got []queued) error {
	args := make([]any, 0, len(recs)*6)
	hashes := make([][]byte, len(recs))
	for i, r := range recs {
		sealed, err := q.db.box.Seal(r.Row)
		if err != nil {
			return err
		}
		hashes[i] = q.db.outboxHash(r)
		args = append(args, r.To, r.Kind, r.ID, sealed, hashes[i], q.now)
	}
	// The only conflict is on (kind, record_id): seq is generated.
	insert := insertRowsWith("outbox", outboxColumns, len(recs), q.db.dialect.Name != "sqlite") + " RETURNING kind, record_id"
	rows, err := q.tx.QueryContext(ctx, insert, args...)
	if err != nil {
		return q.db.wrap(err, "queue outbox records")
	}
	inserted := make(map[[2]string]bool, len(recs))
	for rows.Next() {
		var kind, id string
		if err := rows.Scan(&kind, &id); err != nil {
			rows.Close()
			return q.db.wrap(err, "queue outbox records")
		}
		inserted[[2]string{kind, id}] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return q.db.wrap(err, "queue outbox records")
	}
	for i, r := range recs {
		if key := [2]string{r.Kind, r.ID}; inserted[key] {
			delete(inserted, key) // a second of the same id is not new
			got[i] = queuedNew
			continue
		}
		same, err := q.queuedAs(ctx, r, hashes[i])
		if err != nil {
			return err
		}
		got[i] = queuedOther
		if same {
			got[i] = queuedSame
		}
	}
	return nil
}

// queuedAs says whether the record queued already under r's kind and id
// has the fingerprint hash.
func (q *outboxQueue) queuedAs(ctx context.Context, r *healthcode.OutboxRecord, hash []byte) (bool, error) {
	var err error
	if q.lookup == nil {
		if q.lookup, err = q.tx.PrepareContext(ctx, `SELECT body_hash FROM outbox WHERE kind = $1 AND record_id = $2`); err != nil {
			return false, q.db.wrap(err, "prepare outbox lookup")
		}
	}
	var held []byte
	if err := q.lookup.QueryRowContext(ctx, r.Kind, r.ID).Scan(&held); err != nil {
		return false, q.db.wrap(err, "look up outbox record")
	}
	return bytes.Equal(held, hash), nil
}

// outboxHash fingerprints a record's region and body under the box's key:
// the body names a person, so a plain hash would let anyone holding the
// database try document numbers against it.
func (db *DB) outboxHash(r *healthcode.OutboxRecord) []byte {
	data := make([]byte, 0, len(r.To)+1+len(r.Row))
	data = append(append(append(data, r.To...), 0), r.Row...)
	return db.box.Hash("outbox record", data)[:16]
}
