package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// importKind is how one record kind is imported: its table and columns
// (shared with AddRecords), the update that replaces a corrected row and
// the arguments of both.
type importKind struct {
	table   string
	columns string
	ncols   int
	// update replaces the row with id = the last argument, taking the
	// same arguments as one row of the insert.
	update string
	// reportedAt selects the stored report time, where the kind has one.
	reportedAt string
	args       func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any
}

var importKinds = map[string]*importKind{
	healthcode.KindTests: {
		table: "tests", columns: testColumns, reportedAt: "reported_at",
		update: `UPDATE tests SET person_key = $1, person_id = $2, sampled_at = $3, reported_at = $4, result = $5, method = $6,
			pooled = $7, lab = $8, external_id = $9, row_hash = $10, recorded_at = $11 WHERE id = $12`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return testArgs(dst, h, &row.Test, now)
		},
	},
	healthcode.KindVaccinations: {
		table: "vaccinations", columns: vaccinationColumns, reportedAt: "0",
		update: `UPDATE vaccinations SET person_key = $1, person_id = $2, at = $3, dose = $4, product = $5, external_id = $6,
			row_hash = $7, recorded_at = $8 WHERE id = $9`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return vaccinationArgs(dst, h, &row.Vaccination, now)
		},
	},
	healthcode.KindCases: {
		// A case keeps the time it was first reported closed; it reopens
		// when a correction makes it active again.
		table: "cases", columns: caseColumns, reportedAt: "0",
		update: `UPDATE cases SET person_key = $1, person_id = $2, diagnosed_at = $3, status = $4,
			closed_at = CASE WHEN CAST($5 AS BIGINT) = 0 THEN 0 WHEN closed_at = 0 THEN CAST($5 AS BIGINT) ELSE closed_at END,
			kind = $6, external_id = $7, row_hash = $8, recorded_at = $9 WHERE id = $10`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return caseArgs(dst, h, &row.Case, now)
		},
	},
	healthcode.KindContacts: {
		table: "contacts", columns: contactColumns, reportedAt: "0",
		update: `UPDATE contacts SET person_key = $1, person_id = $2, exposed_at = $3, cleared_at = $4, kind = $5, case_id = $6,
			external_id = $7, row_hash = $8, recorded_at = $9 WHERE id = $10`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return contactArgs(dst, h, &row.Contact, now)
		},
	},
	healthcode.KindQuarantines: {
		table: "quarantines", columns: quarantineColumns, reportedAt: "0",
		update: `UPDATE quarantines SET person_key = $1, person_id = $2, from_at = $3, until_at = $4, kind = $5, external_id = $6,
			row_hash = $7, recorded_at = $8 WHERE id = $9`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return quarantineArgs(dst, h, &row.Quarantine, now)
		},
	},
	healthcode.KindTravel: {
		table: "travel", columns: travelColumns, reportedAt: "0",
		update: `UPDATE travel SET person_key = $1, person_id = $2, from_at = $3, to_at = $4, division = $5, external_id = $6,
			row_hash = $7, recorded_at = $8 WHERE id = $9`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return travelArgs(dst, h, &row.Travel, now)
		},
	},
}

func init() {
	for _, k := range importKinds {
		k.ncols = len(k.args(nil, &rowHasher{}, &healthcode.ImportRow{}, 0))
	}
}

// Positions in every kind's arguments: the person key first, the person id
// second, the row hash second to last; for tests, the report time fourth.
const (
	argPersonKey  = 0
	argPersonID   = 1
	argReportedAt = 3
)

// importBatchOf is how many rows one insert statement carries: fewer
// statements cost less. SQLite runs in the process, where 500 rows a
// statement measured best; PostgreSQL pays a round trip and an executor
// start a statement, and 2,000 rows imported 100,000 contacts in 1.46 s
// against 2.0 s at 500 (1.6 s at 1,000). Either stays far below the
// databases' limits on parameters (32,766 and 65,535) at 10 columns.
func importBatchOf(dialect string) int {
	if dialect == "postgres" {
		return 2000
	}
	return 500
}

// lookupCacheKiB is the page cache of the import's look-ups: 64 MiB
// holds the profiles index of a million people.
const lookupCacheKiB = "65536"

// importCacheKiB is SQLite's page cache during an import: 192 MiB holds
// most of the indexes a million rows touch, and keeps the whole process
// (with the look-ups' cache and the recompute) well under 1 GiB.
const importCacheKiB = "196608"

// ImportRecords stores the rows of src in one transaction. Reading,
// validating and hashing run in a goroutine of their own, ahead of the
// inserts. The happy path is one multi-row insert per batch of rows and
// nothing else; only when an insert skips a row is each row of the batch
// looked up, to tell a duplicate from a correction. Each batch's keys are
// looked up in profiles before its insert, so every row is stored with its
// person (or none: pending); the people are kept in memory and marked due
// at the end. Rows for other regions (Forward set) are queued in the
// outbox in the same transaction. A file error of src rolls everything
// back.
func (db *DB) ImportRecords(ctx context.Context, src healthcode.ImportSource, now time.Time) (*healthcode.ImportSummary, error) {
	k, ok := importKinds[src.Kind()]
	if !ok {
		return nil, healthcode.Errorf(healthcode.ENOTFOUND, "unknown record kind %q", src.Kind())
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, db.wrap(err, "import: connect")
	}
	defer conn.Close()
	if db.dialect.Name == "sqlite" {
		// A big import touches more index pages than SQLite's default
		// cache of 2 MB holds: spilling them to the WAL and reading them
		// back costs more than the inserts. The cache shrinks back after.
		if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -`+importCacheKiB); err != nil {
			return nil, db.wrap(err, "import: cache size")
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -2000`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.wrap(err, "begin import")
	}
	defer tx.Rollback()
	imp := &importer{db: db, tx: tx, kind: k, now: micros(now),
		sum: &healthcode.ImportSummary{Kind: src.Kind(), Errors: []healthcode.RowError{}, Corrections: []healthcode.RowNote{}}}
	defer imp.close()
	batch := importBatchOf(db.dialect.Name)
	imp.batch = batch
	if imp.insert, err = tx.PrepareContext(ctx, imp.insertText(batch)); err != nil {
		return nil, db.wrap(err, "prepare import")
	}

	// The people of each batch are looked up on a connection of its own,
	// beside the inserts; finish puts right the rows of any profile that
	// took or left a key since the import started.
	imp.started = time.Now()
	lookup, err := db.db.Conn(ctx)
	if err != nil {
		return nil, db.wrap(err, "import: connect")
	}
	defer lookup.Close()
	if db.dialect.Name == "sqlite" {
		// The default cache of 2 MB would read the profiles index again
		// and again, a system call per page.
		if _, err := lookup.ExecContext(ctx, `PRAGMA cache_size = -`+lookupCacheKiB); err != nil {
			return nil, db.wrap(err, "import: cache size")
		}
		defer lookup.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -2000`)
	}
	people, err := lookup.PrepareContext(ctx, lookupPeopleQuery(db.dialect.Name, batch))
	if err != nil {
		return nil, db.wrap(err, "import: prepare people lookup")
	}
	defer people.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches, looked, free := make(chan *rowBatch, 2), make(chan *rowBatch, 2), make(chan *rowBatch, 8)
	for range cap(free) {
		free <- &rowBatch{}
	}
	go readBatches(ctx, src, k, imp.now, batch, free, batches)
	go findPeople(ctx, people, k.ncols, batch, batches, looked)
	for b := range looked {
		if b.err != nil {
			return nil, b.err
		}
		if err := imp.store(ctx, b); err != nil {
			return nil, err
		}
		free <- b
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := imp.finish(ctx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, db.wrap(err, "commit import")
	}
	return imp.sum, nil
}

// rowBatch is up to importBatchOf rows, read and turned into insert
// arguments. Rejected rows ride along so the report keeps file order.
type rowBatch struct {
	rows []batchRow
	args []any // ncols per row that is not rejected, in order
	n    int   // rows not rejected
	err  error // the file error that ends the import
}

// batchRow is what the importer needs of a row once its arguments are made.
type batchRow struct {
	line    int64
	id      string
	reject  *healthcode.RowError
	forward *healthcode.OutboxRecord // a row for another region: no arguments
}

// readBatches reads src into batches taken from free and sends them on out,
// closing out at the end of the file or after a file error.
func readBatches(ctx context.Context, src healthcode.ImportSource, k *importKind, now int64, size int, free <-chan *rowBatch, out chan<- *rowBatch) {
	defer close(out)
	var h rowHasher
	for {
		var b *rowBatch
		select {
		case b = <-free:
		case <-ctx.Done():
			return
		}
		b.rows, b.args, b.n, b.err = b.rows[:0], b.args[:0], 0, nil
		for b.n < size {
			row, err := src.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				b.err = err
				break
			}
			if row.Reject == nil && row.Forward == nil {
				b.args = k.args(b.args, &h, row, now)
				b.n++
			}
			b.rows = append(b.rows, batchRow{line: row.Line, id: row.ID, reject: row.Reject, forward: row.Forward})
		}
		if len(b.rows) > 0 || b.err != nil {
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
		if b.n < size {
			return
		}
	}
}

// importer is the state of one ImportRecords.
type importer struct {
	db     *DB
	tx     *sql.Tx
	kind   *importKind
	now    int64
	sum    *healthcode.ImportSummary
	batch  int          // rows a full batch
	insert *sql.Stmt    // insertText(batch), prepared
	lookup *sql.Stmt    // prepared on the first skipped row
	update *sql.Stmt    // prepared on the first correction
	outbox *outboxQueue // made on the first row for another region
	// ids are the people of the rows stored (inserted or corrected) that
	// name a registered person, formerIDs those a correction moved a row
	// away from: all are re-evaluated. pendingKeys are the keys of the
	// stored rows that name nobody registered yet.
	ids         []int64
	formerIDs   []int64
	pendingKeys [][]byte
	started     time.Time // by this store's clock, as profiles.linked_at
}

// stored notes the person of a row stored by this import.
func (imp *importer) stored(args []any) {
	if id, ok := args[argPersonID].(int64); ok {
		imp.ids = append(imp.ids, id)
		return
	}
	imp.pendingKeys = append(imp.pendingKeys, args[argPersonKey].([]byte))
}

func (imp *importer) close() {
	for _, s := range []*sql.Stmt{imp.insert, imp.lookup, imp.update} {
		if s != nil {
			s.Close()
		}
	}
	if imp.outbox != nil {
		imp.outbox.close()
	}
}

// store inserts the rows of b and sorts out those whose id is stored.
func (imp *importer) store(ctx context.Context, b *rowBatch) error {
	inserted, err := imp.insertBatch(ctx, b)
	if err != nil {
		return err
	}
	forwarded, err := imp.forward(ctx, b)
	if err != nil {
		return err
	}
	all := inserted == int64(b.n)
	nc, i, f := imp.kind.ncols, 0, 0
	for r := range b.rows {
		row := &b.rows[r]
		if row.reject != nil {
			imp.sum.Reject(*row.reject)
			continue
		}
		if row.forward != nil {
			imp.forwarded(row, forwarded[f])
			f++
			continue
		}
		args := b.args[i*nc : (i+1)*nc]
		i++
		if all {
			imp.sum.Accepted++
			imp.stored(args)
		} else if err := imp.classify(ctx, row, args); err != nil {
			return err
		}
	}
	return nil
}

// insertText is the insert of n rows of the kind.
func (imp *importer) insertText(n int) string {
	insert := insertRowsWith(imp.kind.table, imp.kind.columns, n, imp.db.dialect.Name != "sqlite")
	if imp.db.dialect.Name == "sqlite" {
		// OR IGNORE, unlike ON CONFLICT DO NOTHING, leaves the statement
		// no constraint to abort on (the arguments are validated), so
		// SQLite keeps no statement journal of the pages it changes.
		insert = "INSERT OR IGNORE" + strings.TrimSuffix(strings.TrimPrefix(insert, "INSERT"), " ON CONFLICT DO NOTHING")
	}
	return insert
}

func (imp *importer) insertBatch(ctx context.Context, b *rowBatch) (int64, error) {
	switch b.n {
	case 0:
		return 0, nil
	case imp.batch:
		return imp.exec(ctx, imp.insert, b.args)
	}
	// The last, short batch: one statement of its own size, used once.
	// (Row by row, the rest of each 5,000-record hub batch took a round
	// trip a row on PostgreSQL.)
	res, err := imp.tx.ExecContext(ctx, imp.insertText(b.n), b.args...)
	if err != nil {
		return 0, imp.db.wrap(err, "import: insert")
	}
	n, err := res.RowsAffected()
	return n, imp.db.wrap(err, "import: insert")
}

func (imp *importer) exec(ctx context.Context, s *sql.Stmt, args []any) (int64, error) {
	res, err := s.ExecContext(ctx, args...)
	if err != nil {
		return 0, imp.db.wrap(err, "import: insert")
	}
	n, err := res.RowsAffected()
	return n, imp.db.wrap(err, "import: insert")
}

// forward queues the rows of b for other regions, and says what became
// of each, in order.
func (imp *importer) forward(ctx context.Context, b *rowBatch) ([]queued, error) {
	var recs []*healthcode.OutboxRecord
	for r := range b.rows {
		if row := &b.rows[r]; row.reject == nil && row.forward != nil {
			recs = append(recs, row.forward)
		}
	}
	if len(recs) == 0 {
		return nil, nil
	}
	if imp.outbox == nil {
		imp.outbox = imp.db.outboxQueue(imp.tx, fromMicros(imp.now))
	}
	return imp.outbox.add(ctx, recs)
}

// forwarded counts a row queued for another region. Sent again unchanged
// it is a duplicate; changed, it is refused: the outbox sends a record
// once, and a correction would need the receiving region to take it as
// one.
func (imp *importer) forwarded(row *batchRow, got queued) {
	switch got {
	case queuedNew:
		imp.sum.Forwarded++
	case queuedSame:
		imp.sum.Duplicate++
	default:
		imp.sum.Reject(healthcode.RowError{Line: row.line, ID: row.id, Field: "id",
			Reason: "a row with this id is queued already, with other content or for another region: a forwarded row cannot be corrected yet"})
	}
}

// classify sorts out one row of a batch in which some row was skipped: it
// was inserted just now, is stored already unchanged (a duplicate), or
// corrects the stored row.
func (imp *importer) classify(ctx context.Context, row *batchRow, args []any) error {
	var err error
	if imp.lookup == nil {
		imp.lookup, err = imp.tx.PrepareContext(ctx, fmt.Sprintf(
			`SELECT id, person_id, row_hash, recorded_at, %s FROM %s WHERE external_id = $1`, imp.kind.reportedAt, imp.kind.table))
		if err != nil {
			return imp.db.wrap(err, "import: prepare lookup")
		}
	}
	var id, recordedAt, reportedAt int64
	var former sql.NullInt64
	var hash string
	if err := imp.lookup.QueryRowContext(ctx, row.id).Scan(&id, &former, &hash, &recordedAt, &reportedAt); err != nil {
		return imp.db.wrap(err, "import: look up stored row")
	}
	switch {
	case hash == args[len(args)-2].(string) && recordedAt == imp.now:
		// Inserted by this batch: ids are unique within a file.
		imp.sum.Accepted++
		imp.stored(args)
		return nil
	case hash == args[len(args)-2].(string):
		imp.sum.Duplicate++
		return nil
	}
	note := "replaces the row stored with this id"
	if imp.kind.table == "tests" {
		if args[argReportedAt].(int64) <= reportedAt {
			imp.sum.Reject(healthcode.RowError{Line: row.line, ID: row.id, Field: "reported_at",
				Reason: "a row with this id and a later or equal reported_at is already stored"})
			return nil
		}
		note = "replaces the result reported at " + fromMicros(reportedAt).Format(time.RFC3339)
	}
	if imp.update == nil {
		if imp.update, err = imp.tx.PrepareContext(ctx, imp.kind.update); err != nil {
			return imp.db.wrap(err, "import: prepare update")
		}
	}
	if _, err := imp.update.ExecContext(ctx, append(args[:len(args):len(args)], id)...); err != nil {
		return imp.db.wrap(err, "import: correct row")
	}
	if now, _ := args[argPersonID].(int64); former.Valid && former.Int64 != now {
		imp.formerIDs = append(imp.formerIDs, former.Int64)
	}
	imp.stored(args)
	imp.sum.Corrected++
	imp.sum.Corrections = append(imp.sum.Corrections, healthcode.RowNote{Line: row.line, ID: row.id, Note: note})
	return nil
}

// finish puts right the rows of the profiles that took or left a key
// since the import started, counts the rows still pending, and marks due
// the statuses the import touched, in person order.
func (imp *importer) finish(ctx context.Context) error {
	if imp.sum.Accepted+imp.sum.Corrected == 0 {
		return nil
	}
	if err := imp.relink(ctx); err != nil {
		return err
	}
	imp.sum.Pending = int64(len(imp.pendingKeys))
	err := imp.markPeople(ctx, fromMicros(imp.now), append(imp.ids, imp.formerIDs...))
	return imp.db.wrap(err, "import: mark statuses due")
}

// relinkMargin is how much earlier than the import's start a profile's
// change is put right: nodes sharing a database differ a little in clock.
const relinkMargin = 5 * time.Minute

// relink links the import's rows to whoever holds their keys now, for
// every profile that took or left a key since the import started (the
// batches were looked up on another connection, at another moment). On
// PostgreSQL, profiles are locked from here to the commit, so a later
// change starts after the commit and links the rows itself; on SQLite the
// import's write lock already keeps every change out.
func (imp *importer) relink(ctx context.Context) error {
	if imp.db.dialect.Name == "postgres" {
		if err := lockProfiles(ctx, imp.tx); err != nil {
			return imp.db.wrap(err, "import: lock profiles")
		}
	}
	changed := map[string]int64{}
	if err := scanPeople(imp.tx.QueryContext(ctx, `SELECT person_key, person_id FROM profiles WHERE linked_at >= $1`,
		imp.started.Add(-relinkMargin).UnixMicro()))(changed); err != nil {
		return imp.db.wrap(err, "import: changed profiles")
	}
	// Every former holder lets go of its rows before any new holder takes
	// the pending ones: a key may have changed hands during the import,
	// and this import's rows may name the former holder.
	for key, id := range changed {
		if err := imp.db.unlinkTable(ctx, imp.tx, imp.kind.table, id, []byte(key)); err != nil {
			return err
		}
	}
	for key, id := range changed {
		linked, err := imp.db.linkTable(ctx, imp.tx, imp.kind.table, id, []byte(key))
		if err != nil {
			return err
		}
		if linked > 0 {
			imp.ids = append(imp.ids, id)
		}
	}
	still := imp.pendingKeys[:0]
	for _, key := range imp.pendingKeys {
		if _, ok := changed[string(key)]; !ok {
			still = append(still, key)
		}
	}
	imp.pendingKeys = still
	return nil
}

// afterPeopleLookup, when set by a test, runs after each batch's look-up.
var afterPeopleLookup func()

// findPeople sets the person id of each row of the batches from in whose
// key a profile has (one query a batch) and passes them on to out, closing
// out at the end or after an error, which rides on the batch.
func findPeople(ctx context.Context, people *sql.Stmt, ncols, size int, in <-chan *rowBatch, out chan<- *rowBatch) {
	defer close(out)
	keys := make([]any, size)
	found := make(map[string]int64, size)
	for b := range in {
		if b.err == nil && b.n > 0 {
			for i := range size {
				// A short batch repeats its first key: one statement serves all.
				keys[i] = b.args[min(i, b.n-1)*ncols+argPersonKey]
			}
			clear(found)
			if err := scanPeople(people.QueryContext(ctx, keys...))(found); err != nil {
				b.err = healthcode.Internal(err, "import: look up people")
			}
			for i := range b.n {
				if id, ok := found[string(b.args[i*ncols+argPersonKey].([]byte))]; ok {
					b.args[i*ncols+argPersonID] = id
				}
			}
			if afterPeopleLookup != nil {
				afterPeopleLookup()
			}
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
		if b.err != nil {
			return
		}
	}
}

// markBatch is how many people one statement marks due.
const markBatch = 100_000

// markPeople marks due the people of ids, in person order so that the
// marks are appended rather than scattered.
func (imp *importer) markPeople(ctx context.Context, at time.Time, ids []int64) error {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for len(ids) > 0 {
		chunk := ids[:min(markBatch, len(ids))]
		ids = ids[len(chunk):]
		var err error
		if imp.db.dialect.Name == "sqlite" {
			_, err = markDue(ctx, imp.tx, at, `SELECT value AS person_id FROM json_each($2)`, imp.db.idsArg(joinIDs(chunk)))
		} else {
			_, err = markDue(ctx, imp.tx, at, `SELECT unnest(CAST($2 AS BIGINT[])) AS person_id`, chunk)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
