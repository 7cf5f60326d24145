package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"strconv"
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
		update: `UPDATE tests SET person_key = $1, sampled_at = $2, reported_at = $3, result = $4, method = $5,
			pooled = $6, lab = $7, external_id = $8, row_hash = $9, recorded_at = $10 WHERE id = $11`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return testArgs(dst, h, &row.Test, now)
		},
	},
	healthcode.KindVaccinations: {
		table: "vaccinations", columns: vaccinationColumns, reportedAt: "0",
		update: `UPDATE vaccinations SET person_key = $1, at = $2, dose = $3, product = $4, external_id = $5,
			row_hash = $6, recorded_at = $7 WHERE id = $8`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return vaccinationArgs(dst, h, &row.Vaccination, now)
		},
	},
	healthcode.KindCases: {
		// A case keeps the time it was first reported closed; it reopens
		// when a correction makes it active again.
		table: "cases", columns: caseColumns, reportedAt: "0",
		update: `UPDATE cases SET person_key = $1, diagnosed_at = $2, status = $3,
			closed_at = CASE WHEN CAST($4 AS BIGINT) = 0 THEN 0 WHEN closed_at = 0 THEN CAST($4 AS BIGINT) ELSE closed_at END,
			kind = $5, external_id = $6, row_hash = $7, recorded_at = $8 WHERE id = $9`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return caseArgs(dst, h, &row.Case, now)
		},
	},
	healthcode.KindContacts: {
		table: "contacts", columns: contactColumns, reportedAt: "0",
		update: `UPDATE contacts SET person_key = $1, exposed_at = $2, cleared_at = $3, kind = $4, case_id = $5,
			external_id = $6, row_hash = $7, recorded_at = $8 WHERE id = $9`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return contactArgs(dst, h, &row.Contact, now)
		},
	},
	healthcode.KindQuarantines: {
		table: "quarantines", columns: quarantineColumns, reportedAt: "0",
		update: `UPDATE quarantines SET person_key = $1, from_at = $2, until_at = $3, kind = $4, external_id = $5,
			row_hash = $6, recorded_at = $7 WHERE id = $8`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return quarantineArgs(dst, h, &row.Quarantine, now)
		},
	},
	healthcode.KindTravel: {
		table: "travel", columns: travelColumns, reportedAt: "0",
		update: `UPDATE travel SET person_key = $1, from_at = $2, to_at = $3, division = $4, external_id = $5,
			row_hash = $6, recorded_at = $7 WHERE id = $8`,
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

// Positions in every kind's arguments: the person key first, the row hash
// second to last; for tests, the report time third.
const (
	argPersonKey  = 0
	argReportedAt = 2
)

// importBatch is how many rows one insert statement carries: fewer
// statements cost less, and 500 rows of 10 columns stay far below both
// databases' limits on parameters (32,766 and 65,535).
const importBatch = 500

// lookupBatch is how many person keys one profile lookup of finish names.
const lookupBatch = 1000

// importCacheKiB is SQLite's page cache during an import: 256 MiB holds
// the indexes a million rows touch.
const importCacheKiB = "262144"

// ImportRecords stores the rows of src in one transaction. Reading,
// validating and hashing run in a goroutine of their own, ahead of the
// inserts. The happy path is one multi-row insert per batch of rows and
// nothing else; only when an insert skips a row is each row of the batch
// looked up, to tell a duplicate from a correction. The person key of each
// stored row is kept in memory; at the end the sorted keys are looked up in
// profiles, which counts the pending rows and gives the people whose
// statuses are marked due. A file error of src rolls everything back.
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
		// A multi-row insert journals each statement for its own rollback;
		// in memory that costs no system calls.
		if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
			return nil, db.wrap(err, "import: temp store")
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.wrap(err, "begin import")
	}
	defer tx.Rollback()
	imp := &importer{db: db, tx: tx, kind: k, now: micros(now),
		sum: &healthcode.ImportSummary{Kind: src.Kind(), Errors: []healthcode.RowError{}, Corrections: []healthcode.RowNote{}}}
	defer imp.close()
	insert := insertRowsWith(k.table, k.columns, importBatch, db.dialect.Name != "sqlite")
	if db.dialect.Name == "sqlite" {
		// OR IGNORE, unlike ON CONFLICT DO NOTHING, leaves the statement
		// no constraint to abort on (the arguments are validated), so
		// SQLite keeps no statement journal of the pages it changes.
		insert = "INSERT OR IGNORE" + strings.TrimSuffix(strings.TrimPrefix(insert, "INSERT"), " ON CONFLICT DO NOTHING")
	}
	if imp.insert, err = tx.PrepareContext(ctx, insert); err != nil {
		return nil, db.wrap(err, "prepare import")
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches, free := make(chan *rowBatch, 4), make(chan *rowBatch, 6)
	for range cap(free) {
		free <- &rowBatch{}
	}
	go readBatches(ctx, src, k, imp.now, free, batches)
	for b := range batches {
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

// rowBatch is up to importBatch rows, read and turned into insert
// arguments. Rejected rows ride along so the report keeps file order.
type rowBatch struct {
	rows []batchRow
	args []any // ncols per row that is not rejected, in order
	n    int   // rows not rejected
	err  error // the file error that ends the import
}

// batchRow is what the importer needs of a row once its arguments are made.
type batchRow struct {
	line   int64
	id     string
	reject *healthcode.RowError
}

// readBatches reads src into batches taken from free and sends them on out,
// closing out at the end of the file or after a file error.
func readBatches(ctx context.Context, src healthcode.ImportSource, k *importKind, now int64, free <-chan *rowBatch, out chan<- *rowBatch) {
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
		for b.n < importBatch {
			row, err := src.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				b.err = err
				break
			}
			if row.Reject == nil {
				b.args = k.args(b.args, &h, row, now)
				b.n++
			}
			b.rows = append(b.rows, batchRow{line: row.Line, id: row.ID, reject: row.Reject})
		}
		if len(b.rows) > 0 || b.err != nil {
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
		if b.n < importBatch {
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
	insert *sql.Stmt // of importBatch rows
	single *sql.Stmt // of one row, for the last batch
	lookup *sql.Stmt // prepared on the first skipped row
	update *sql.Stmt // prepared on the first correction
	// formerKeys are the people a correction moved a row away from: they
	// are re-evaluated as well.
	formerKeys [][]byte
	// keys holds the person key of every row stored (inserted or
	// corrected), one after the other; keyEnds where each ends.
	keys    []byte
	keyEnds []int
}

// stored notes the person key of a row stored by this import.
func (imp *importer) stored(args []any) {
	imp.keys = append(imp.keys, args[argPersonKey].([]byte)...)
	imp.keyEnds = append(imp.keyEnds, len(imp.keys))
}

func (imp *importer) close() {
	for _, s := range []*sql.Stmt{imp.insert, imp.single, imp.lookup, imp.update} {
		if s != nil {
			s.Close()
		}
	}
}

// store inserts the rows of b and sorts out those whose id is stored.
func (imp *importer) store(ctx context.Context, b *rowBatch) error {
	inserted, err := imp.insertBatch(ctx, b)
	if err != nil {
		return err
	}
	all := inserted == int64(b.n)
	nc, i := imp.kind.ncols, 0
	for r := range b.rows {
		row := &b.rows[r]
		if row.reject != nil {
			imp.sum.Reject(*row.reject)
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

func (imp *importer) insertBatch(ctx context.Context, b *rowBatch) (int64, error) {
	if b.n == importBatch {
		return imp.exec(ctx, imp.insert, b.args)
	}
	// The last, short batch goes row by row rather than through a
	// statement prepared for its one size.
	if imp.single == nil && b.n > 0 {
		var err error
		if imp.single, err = imp.tx.PrepareContext(ctx, insertRows(imp.kind.table, imp.kind.columns, 1)); err != nil {
			return 0, imp.db.wrap(err, "import: prepare insert")
		}
	}
	var total int64
	nc := imp.kind.ncols
	for i := range b.n {
		n, err := imp.exec(ctx, imp.single, b.args[i*nc:(i+1)*nc])
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func (imp *importer) exec(ctx context.Context, s *sql.Stmt, args []any) (int64, error) {
	res, err := s.ExecContext(ctx, args...)
	if err != nil {
		return 0, imp.db.wrap(err, "import: insert")
	}
	n, err := res.RowsAffected()
	return n, imp.db.wrap(err, "import: insert")
}

// classify sorts out one row of a batch in which some row was skipped: it
// was inserted just now, is stored already unchanged (a duplicate), or
// corrects the stored row.
func (imp *importer) classify(ctx context.Context, row *batchRow, args []any) error {
	var err error
	if imp.lookup == nil {
		imp.lookup, err = imp.tx.PrepareContext(ctx, fmt.Sprintf(
			`SELECT id, person_key, row_hash, recorded_at, %s FROM %s WHERE external_id = $1`, imp.kind.reportedAt, imp.kind.table))
		if err != nil {
			return imp.db.wrap(err, "import: prepare lookup")
		}
	}
	var id, recordedAt, reportedAt int64
	var key []byte
	var hash string
	if err := imp.lookup.QueryRowContext(ctx, row.id).Scan(&id, &key, &hash, &recordedAt, &reportedAt); err != nil {
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
	if string(key) != string(args[argPersonKey].([]byte)) {
		imp.formerKeys = append(imp.formerKeys, key)
	}
	imp.stored(args)
	imp.sum.Corrected++
	imp.sum.Corrections = append(imp.sum.Corrections, healthcode.RowNote{Line: row.line, ID: row.id, Note: note})
	return nil
}

// finish counts the pending rows and marks due the statuses the import
// touched: the person keys of the stored rows, sorted and counted, are
// looked up in profiles a batch at a time (in key order, so the index is
// read front to back), and the people found are marked due in person order.
func (imp *importer) finish(ctx context.Context) error {
	if imp.sum.Accepted+imp.sum.Corrected == 0 {
		return nil
	}
	keys := imp.sortedKeys()
	ids, pending, err := imp.lookupPeople(ctx, keys)
	if err != nil {
		return err
	}
	imp.sum.Pending = pending
	at := fromMicros(imp.now)
	if err := imp.markPeople(ctx, at, ids); err != nil {
		return imp.db.wrap(err, "import: mark statuses due")
	}
	for _, key := range imp.formerKeys {
		_, err := markDue(ctx, imp.tx, at, `SELECT person_id FROM profiles WHERE person_key = $2`, key)
		if err != nil {
			return imp.db.wrap(err, "import: mark statuses due")
		}
	}
	return nil
}

// keyCount is one person key of the stored rows and how many rows name it.
type keyCount struct {
	key []byte
	n   int64
}

// sortedKeys returns the distinct person keys of the stored rows in byte
// order (the order of both databases' indexes on person_key), each with
// its number of rows.
func (imp *importer) sortedKeys() []keyCount {
	all := make([][]byte, len(imp.keyEnds))
	start := 0
	for i, end := range imp.keyEnds {
		all[i] = imp.keys[start:end:end]
		start = end
	}
	slices.SortFunc(all, bytes.Compare)
	out := make([]keyCount, 0, len(all))
	for _, k := range all {
		if n := len(out); n > 0 && bytes.Equal(out[n-1].key, k) {
			out[n-1].n++
			continue
		}
		out = append(out, keyCount{key: k, n: 1})
	}
	return out
}

// lookupPeople finds the registered people of keys: their ids, and the
// number of rows whose key names nobody registered.
func (imp *importer) lookupPeople(ctx context.Context, keys []keyCount) (ids []int64, pending int64, err error) {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, lookupBatch)
	ids = make([]int64, 0, len(keys))
	for len(keys) > 0 {
		chunk := keys[:min(lookupBatch, len(keys))]
		keys = keys[len(chunk):]
		args = args[:0]
		for _, k := range chunk {
			args = append(args, k.key)
		}
		var rows *sql.Rows
		if len(chunk) == lookupBatch {
			if full == nil {
				if full, err = imp.tx.PrepareContext(ctx, imp.lookupPeopleQuery(lookupBatch)); err != nil {
					return nil, 0, imp.db.wrap(err, "import: prepare people lookup")
				}
			}
			rows, err = full.QueryContext(ctx, args...)
		} else {
			rows, err = imp.tx.QueryContext(ctx, imp.lookupPeopleQuery(len(chunk)), args...)
		}
		if err != nil {
			return nil, 0, imp.db.wrap(err, "import: look up people")
		}
		// Both come in key order: a merge tells the keys found from
		// the pending ones.
		i := 0
		var key []byte
		var id int64
		for rows.Next() {
			if err := rows.Scan(&key, &id); err != nil {
				rows.Close()
				return nil, 0, imp.db.wrap(err, "import: look up people")
			}
			for i < len(chunk) && bytes.Compare(chunk[i].key, key) < 0 {
				pending += chunk[i].n
				i++
			}
			if i < len(chunk) && bytes.Equal(chunk[i].key, key) {
				i++
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, 0, imp.db.wrap(err, "import: look up people")
		}
		rows.Close()
		for ; i < len(chunk); i++ {
			pending += chunk[i].n
		}
	}
	return ids, pending, nil
}

// lookupPeopleQuery selects person_key and person_id of the profiles of n
// keys, in key order.
func (imp *importer) lookupPeopleQuery(n int) string {
	var b strings.Builder
	b.WriteString(`SELECT person_key, person_id FROM profiles`)
	if imp.db.dialect.Name == "sqlite" {
		// Its planner prefers the unique index, which lacks person_id.
		b.WriteString(` INDEXED BY profiles_person_key_id`)
	}
	b.WriteString(` WHERE person_key IN (`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if imp.db.dialect.Name == "sqlite" {
			b.WriteByte('?')
		} else {
			b.WriteString("$" + strconv.Itoa(i+1))
		}
	}
	b.WriteString(`) ORDER BY person_key`)
	return b.String()
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
			list := make([]byte, 0, len(chunk)*8+2)
			list = append(list, '[')
			for i, id := range chunk {
				if i > 0 {
					list = append(list, ',')
				}
				list = strconv.AppendInt(list, id, 10)
			}
			list = append(list, ']')
			_, err = markDue(ctx, imp.tx, at, `SELECT value AS person_id FROM json_each($2)`, string(list))
		} else {
			_, err = markDue(ctx, imp.tx, at, `SELECT unnest(CAST($2 AS BIGINT[])) AS person_id`, chunk)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
