package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
)

// The bulk recompute takes due statuses in chunks by locking them, not by
// writing a lease: one transaction per chunk selects the due rows
// (PostgreSQL: FOR UPDATE SKIP LOCKED, so several nodes split the work;
// SQLite: the transaction holds the write lock from BEGIN), reads their
// facts, has them judged, writes the results and clears the due marks,
// and commits. No other writer can set a mark on a taken row meanwhile, so
// no mark is lost; a node that dies mid-chunk rolls back and loses nothing.
// On SQLite, RecomputeAll also reads the next chunk beside the write of
// the last one, and writes it only when nothing else was committed since
// its read (see there).

// CountDue counts the statuses due at now, for progress: a status both
// marked and past its own time counts twice.
func (db *DB) CountDue(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.queryRow(ctx, `SELECT (SELECT count(*) FROM status_due WHERE due_at <= $1)
		+ (SELECT count(*) FROM statuses WHERE reevaluate_at <= $1)`, micros(now)).Scan(&n)
	return n, db.wrap(err, "count due statuses")
}

// sqliteWrites orders the bulk writes of this process on SQLite: two
// recomputes of one process hand SQLite's one write lock over at once
// instead of by busy_timeout's sleeps.
var sqliteWrites sync.Mutex

func (db *DB) lockWrites() func() {
	if db.dialect.Name != "sqlite" {
		return func() {}
	}
	sqliteWrites.Lock()
	return sqliteWrites.Unlock
}

// RecomputeDue takes, reads, judges and writes back one chunk.
func (db *DB) RecomputeDue(ctx context.Context, now time.Time, limit int,
	judge func(c *healthcode.DueChunk) ([]*healthcode.Status, []bool, error)) (int, error) {
	defer db.lockWrites()()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, db.wrap(err, "begin recompute chunk")
	}
	defer tx.Rollback()
	c, _, err := db.takeDue(ctx, tx, now, limit, "", true)
	if err != nil || len(c.Statuses) == 0 {
		return 0, err
	}
	if err := db.readChunk(ctx, tx, c, now); err != nil {
		return 0, err
	}
	statuses, unchanged, err := judge(c)
	if err != nil {
		return 0, err
	}
	if err := db.writeChunk(ctx, tx, c, statuses, unchanged); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, db.wrap(err, "commit recompute chunk")
	}
	return len(c.Statuses), nil
}

// takeDue selects and locks up to limit statuses due at now (marked in
// status_due, or whose own re-evaluation time has come), in person order,
// and decodes their stored statuses on every core. Marks of people without
// a stored status are dropped: there is nothing to re-evaluate, and a read
// evaluates such a person from scratch anyway.
//
// exclude, when not empty, is an SQL list of person ids not to take (the
// chunk being written while the next one is read). takeDue deletes the
// orphan marks itself when dropOrphans is set; otherwise it returns the
// list for dropOrphans (empty when there are none), for the write
// transaction. It also returns the taken ids as an SQL list.
func (db *DB) takeDue(ctx context.Context, tx *sql.Tx, now time.Time, limit int, exclude string, dropOrphans bool) (*healthcode.DueChunk, string, error) {
	c, _, orphans, err := db.takeDueList(ctx, tx, now, limit, exclude)
	if err == nil && orphans != "" && dropOrphans {
		if err := db.dropOrphans(ctx, tx, orphans); err != nil {
			return nil, "", err
		}
		orphans = ""
	}
	return c, orphans, err
}

func (db *DB) takeDueList(ctx context.Context, tx *sql.Tx, now time.Time, limit int, exclude string) (c *healthcode.DueChunk, taken, orphans string, err error) {
	ids, taken, marked, err := db.takeIDs(ctx, tx, now, limit, exclude)
	if err != nil || len(ids) == 0 {
		return &healthcode.DueChunk{}, "", "", err
	}
	c, err = db.readStatuses(ctx, tx, taken, len(ids))
	if err == nil && marked > 0 && len(c.Statuses) < len(ids) {
		// Marks of people without a status: nothing to take, drop them.
		orphans = taken
	}
	return c, taken, orphans, err
}

// takeIDs selects (PostgreSQL: and locks) the ids of up to limit due
// statuses, marked ones first, sorted; taken is them as an SQL list, and
// marked how many came from marks.
func (db *DB) takeIDs(ctx context.Context, tx *sql.Tx, now time.Time, limit int, exclude string) (ids []int64, taken string, marked int, err error) {
	lock := ""
	if db.dialect.Name == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	notIn := ""
	if exclude != "" {
		notIn = " AND person_id " + db.notInIDs(3)
	}
	args := []any{micros(now), limit}
	if exclude != "" {
		args = append(args, db.idsArg(exclude))
	}
	ids, err = scanIDs(tx.QueryContext(ctx, `SELECT person_id FROM status_due WHERE due_at <= $1`+notIn+`
		ORDER BY person_id LIMIT $2`+lock, args...))
	if err != nil {
		return nil, "", 0, db.wrap(err, "take marked statuses")
	}
	marked = len(ids)
	if len(ids) < limit {
		more, err := scanIDs(tx.QueryContext(ctx, `SELECT person_id FROM statuses WHERE reevaluate_at <= $1`+notIn+`
			ORDER BY reevaluate_at LIMIT $2`+lock, append([]any{args[0], limit - len(ids)}, args[2:]...)...))
		if err != nil {
			return nil, "", 0, db.wrap(err, "take due statuses")
		}
		ids = append(ids, more...)
	}
	if len(ids) == 0 {
		return nil, "", 0, nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return ids, joinIDs(ids), marked, nil
}

// readStatuses reads (PostgreSQL: and locks) the stored statuses of the
// n people in the SQL list taken, in person order, decoded on every core.
func (db *DB) readStatuses(ctx context.Context, tx *sql.Tx, taken string, n int) (*healthcode.DueChunk, error) {
	forUpdate := ""
	if db.dialect.Name == "postgres" {
		forUpdate = " FOR UPDATE"
	}
	// n, the ids taken, is what the chunk holds at most: the statuses
	// (a person's facts each) are sized once, not grown by doubling.
	c := &healthcode.DueChunk{Statuses: make([]healthcode.DueStatus, 0, n)}
	rows, err := tx.QueryContext(ctx, `SELECT person_id, status FROM statuses WHERE person_id `+db.inIDs(1)+`
		ORDER BY person_id`+forUpdate, db.idsArg(taken))
	if err != nil {
		return nil, db.wrap(err, "read due statuses")
	}
	defer rows.Close()
	sortedRaw := make([][]byte, 0, n)
	for rows.Next() {
		var d healthcode.DueStatus
		var raw []byte
		if err := rows.Scan(&d.PersonID, &raw); err != nil {
			return nil, db.wrap(err, "scan due status")
		}
		c.Statuses = append(c.Statuses, d)
		sortedRaw = append(sortedRaw, raw)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "read due statuses")
	}
	rows.Close()
	prevs := make([]healthcode.Status, len(c.Statuses))
	err = parallel(len(c.Statuses), func(i int) error {
		if err := unmarshalStatus(sortedRaw[i], &prevs[i]); err != nil {
			return err
		}
		c.Statuses[i].Prev = &prevs[i]
		return nil
	})
	return c, err
}

// minParallel is the least work worth starting goroutines for: a single
// person's facts are decoded inline.
const minParallel = 64

// parallel calls fn(i) for i in [0, n) on every core and returns the
// first error.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || n < minParallel {
		for i := range n {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := fn(i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// dropOrphans deletes the marks of the people in the SQL list taken
// that have no status: there is nothing to re-evaluate, and a read
// evaluates such a person from scratch anyway.
func (db *DB) dropOrphans(ctx context.Context, tx *sql.Tx, taken string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM status_due WHERE person_id `+db.inIDs(1)+`
		AND NOT EXISTS (SELECT 1 FROM statuses s WHERE s.person_id = status_due.person_id)`, db.idsArg(taken))
	return db.wrap(err, "drop orphan due marks")
}

// inIDs is "IN <the ids of parameter $n>", n an idsArg: one short
// parameter instead of thousands of literals for the SQL parser.
func (db *DB) inIDs(n int) string {
	if db.dialect.Name == "postgres" {
		return "= ANY(CAST($" + strconv.Itoa(n) + " AS BIGINT[]))"
	}
	return "IN (SELECT value FROM json_each($" + strconv.Itoa(n) + "))"
}

// notInIDs is the negation of inIDs.
func (db *DB) notInIDs(n int) string {
	if db.dialect.Name == "postgres" {
		return "<> ALL(CAST($" + strconv.Itoa(n) + " AS BIGINT[]))"
	}
	return "NOT IN (SELECT value FROM json_each($" + strconv.Itoa(n) + "))"
}

// idsArg is an SQL list of ids ("1,2,3") as the parameter of inIDs.
func (db *DB) idsArg(list string) string {
	if db.dialect.Name == "postgres" {
		return "{" + list + "}"
	}
	return "[" + list + "]"
}

// joinIDs is ids as an SQL list ("1,2,3"), for idsArg.
func joinIDs(ids []int64) string {
	b := make([]byte, 0, len(ids)*8)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}

// idList is the chunk's person ids as an SQL list literal (integers from
// the database itself, so nothing to escape).
func idList(c *healthcode.DueChunk) string {
	b := make([]byte, 0, len(c.Statuses)*8)
	for i, d := range c.Statuses {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, d.PersonID, 10)
	}
	return string(b)
}

// readChunk fills the facts of a taken chunk: the declarations, the health
// checks, each kind of record that has any rows at all, the accepted
// appeals when there are any, and the risk areas.
func (db *DB) readChunk(ctx context.Context, tx *sql.Tx, c *healthcode.DueChunk, now time.Time) error {
	if err := db.readDeclarations(ctx, tx, c, now); err != nil {
		return err
	}
	if err := db.readHealthChecks(ctx, tx, c, now); err != nil {
		return err
	}
	return db.readRecords(ctx, tx, c)
}

// chunkIndex maps the person ids of a chunk to their positions.
func chunkIndex(c *healthcode.DueChunk) map[int64]int {
	index := make(map[int64]int, len(c.Statuses))
	for i := range c.Statuses {
		index[c.Statuses[i].PersonID] = i
	}
	return index
}

// readDeclarations fills the declarations of a chunk's facts.
func (db *DB) readDeclarations(ctx context.Context, tx *sql.Tx, c *healthcode.DueChunk, now time.Time) error {
	ids := db.idsArg(idList(c))
	index := chunkIndex(c)
	rows, err := tx.QueryContext(ctx, `SELECT `+declarationColumns+` FROM declarations d
		WHERE d.person_id `+db.inIDs(2)+` AND (d.created_at >= $1 OR d.findings OR d.id = (
			SELECT x.id FROM declarations x WHERE x.person_id = d.person_id ORDER BY x.created_at DESC, x.id DESC LIMIT 1))`,
		micros(now.Add(-DeclarationWindow)), ids)
	if err != nil {
		return db.wrap(err, "chunk: declarations")
	}
	ds, err := db.scanDeclarations(rows)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if i, ok := index[d.PersonID]; ok {
			c.Statuses[i].Facts.Declarations = append(c.Statuses[i].Facts.Declarations, d)
		}
	}
	// Newest first, as Facts reads them: sorting each person's few here
	// costs less than a sort of the chunk's rows in SQL.
	for i := range c.Statuses {
		if decls := c.Statuses[i].Facts.Declarations; len(decls) > 1 {
			slices.SortFunc(decls, func(a, b healthcode.Declaration) int {
				if byTime := b.CreatedAt.Compare(a.CreatedAt); byTime != 0 {
					return byTime
				}
				return cmp.Compare(b.ID, a.ID)
			})
		}
	}

	return nil
}

// readRecords fills the records, the override and the risk areas of a
// chunk's facts.
func (db *DB) readRecords(ctx context.Context, tx *sql.Tx, c *healthcode.DueChunk) error {
	ids := db.idsArg(idList(c))
	index := chunkIndex(c)
	facts := func(personID int64) *healthcode.Facts {
		if i, ok := index[personID]; ok {
			return &c.Statuses[i].Facts
		}
		return nil
	}

	// Which record kinds (and accepted appeals) exist at all: one cheap
	// query instead of an index probe per person and kind.
	var exists strings.Builder
	exists.WriteString("SELECT ")
	for _, k := range recordKinds {
		exists.WriteString("CASE WHEN EXISTS (SELECT 1 FROM " + k.table + ") THEN 1 ELSE 0 END, ")
	}
	exists.WriteString("CASE WHEN EXISTS (SELECT 1 FROM appeals WHERE state = 'accepted') THEN 1 ELSE 0 END")
	present := make([]int64, len(recordKinds)+1)
	dest := make([]any, len(present))
	for i := range present {
		dest[i] = &present[i]
	}
	if err := tx.QueryRowContext(ctx, exists.String()).Scan(dest...); err != nil {
		return db.wrap(err, "chunk: record kinds")
	}

	// By person id, whose index holds a chunk's people side by side, and
	// which only a registered person's records carry (recordperson.go):
	// the person's key is not needed, and not read (DueStatus.Facts).
	// Unordered: sorting a chunk's rows in SQL costs more than sorting
	// each person's few records below.
	var personID int64
	for i, k := range recordKinds {
		if present[i] == 0 {
			continue
		}
		rows, err := tx.QueryContext(ctx, `SELECT r.person_id, '`+k.kind+`', `+k.cols+` FROM `+k.table+
			` r WHERE r.person_id `+db.inIDs(1), ids)
		if err != nil {
			return db.wrap(err, "chunk: "+k.table)
		}
		err = scanRecords(rows, &personID, func() (*healthcode.Facts, []byte) {
			if i, ok := index[personID]; ok {
				return &c.Statuses[i].Facts, nil
			}
			return nil, nil
		})
		if err != nil {
			return db.wrap(err, "chunk: "+k.table)
		}
	}

	for i := range c.Statuses {
		sortRecords(&c.Statuses[i].Facts)
	}

	if present[len(recordKinds)] != 0 {
		rows, err := tx.QueryContext(ctx, `SELECT a.person_id, a.id, COALESCE(a.corrected_colour, 0), a.decision_reason,
				a.decided_at, a.override_until
			FROM appeals a WHERE a.person_id `+db.inIDs(1)+` AND a.state = 'accepted'
			ORDER BY a.person_id, a.decided_at DESC, a.id DESC`, ids)
		if err != nil {
			return db.wrap(err, "chunk: overrides")
		}
		defer rows.Close()
		for rows.Next() {
			var personID, colour, from, until int64
			var o healthcode.StatusOverride
			if err := rows.Scan(&personID, &o.AppealID, &colour, &o.Reason, &from, &until); err != nil {
				return db.wrap(err, "chunk: scan override")
			}
			// Newest first: the first row of a person is the one that counts.
			if f := facts(personID); f != nil && f.Override == nil {
				o.Colour, o.From, o.Until = healthcode.Colour(colour), fromMicros(from), fromMicros(until)
				f.Override = &o
			}
		}
		if err := rows.Err(); err != nil {
			return db.wrap(err, "chunk: overrides")
		}
		rows.Close()
	}

	areas, err := scanRiskAreas(tx.QueryContext(ctx, `SELECT division, area, level, from_at, until_at FROM risk_areas ORDER BY id`))
	if err != nil {
		return db.wrap(err, "chunk: risk areas")
	}
	for i := range c.Statuses {
		c.Statuses[i].Facts.RiskAreas = areas
	}
	return nil
}

// writeChunk writes statuses[i] for c.Statuses[i], or only its
// re-evaluation time when unchanged[i], in multi-row updates. The statuses
// are encoded on every core first.
func (db *DB) writeChunk(ctx context.Context, tx *sql.Tx, c *healthcode.DueChunk, statuses []*healthcode.Status, unchanged []bool) error {
	n := len(c.Statuses)
	raw := make([][]byte, n)
	if err := parallel(n, func(i int) error {
		if unchanged[i] {
			return nil
		}
		var err error
		raw[i], err = marshalStatus(statuses[i])
		return err
	}); err != nil {
		return err
	}
	// The chunk holds its people locked: no mark can have been set since
	// their facts were read, so every mark of the chunk is answered.
	if _, err := tx.ExecContext(ctx, `DELETE FROM status_due WHERE person_id `+db.inIDs(1), db.idsArg(idList(c))); err != nil {
		return db.wrap(err, "clear due marks")
	}
	var whole, kept []any
	for i, d := range c.Statuses {
		s := statuses[i]
		if unchanged[i] {
			kept = append(kept, d.PersonID, nullMicros(s.ReevaluateAt))
			continue
		}
		whole = append(whole, d.PersonID, int64(s.Colour), s.ActionRequired, nullMicros(s.ReevaluateAt), raw[i], micros(s.EvaluatedAt))
	}
	if len(whole) > 0 {
		q := func(n int) string { return db.queryText("write statuses", n, db.writeStatusesQuery) }
		if _, _, err := db.execRows(ctx, tx, q, statusWriteRows, len(writeStatusColumns), whole); err != nil {
			return db.wrap(err, "write recomputed statuses")
		}
		if err := db.setMembersFacts(ctx, tx, c, statuses, unchanged); err != nil {
			return err
		}
	}
	if len(kept) > 0 {
		q := func(n int) string { return db.queryText("keep statuses", n, db.keepStatusesQuery) }
		if _, _, err := db.execRows(ctx, tx, q, statusWriteRows, len(keepStatusColumns), kept); err != nil {
			return db.wrap(err, "clear due marks")
		}
	}
	return nil
}

// statusWriteRows is how many statuses one update of writeChunk writes.
const statusWriteRows = 256

// The columns of writeChunk's updates after person_id, with their types
// (PostgreSQL types the parameters of a VALUES list by casts alone).
var (
	writeStatusColumns = []string{"person_id BIGINT", "colour BIGINT", "action_required BOOLEAN",
		"reevaluate_at BIGINT", "status BYTEA", "evaluated_at BIGINT"}
	keepStatusColumns = []string{"person_id BIGINT", "reevaluate_at BIGINT"}
)

func (db *DB) writeStatusesQuery(n int) string { return db.updateStatusesQuery(writeStatusColumns, n) }
func (db *DB) keepStatusesQuery(n int) string  { return db.updateStatusesQuery(keepStatusColumns, n) }

// updateStatusesQuery is an update of n statuses, setting cols (the first
// is person_id, which picks the row) from a VALUES list.
func (db *DB) updateStatusesQuery(cols []string, n int) string {
	return db.updateFromValuesQuery("statuses", cols, n)
}

// updateFromValuesQuery is an update of table from a VALUES list of n
// rows: cols are "name TYPE", the first picks the rows (table.name =
// v.column1), the others are set. PostgreSQL needs the VALUES' types
// spelled out; SQLite takes them as they come.
func (db *DB) updateFromValuesQuery(table string, cols []string, n int) string {
	var b strings.Builder
	b.WriteString("UPDATE " + table + " SET ")
	for i, c := range cols[1:] {
		if i > 0 {
			b.WriteString(", ")
		}
		name, _, _ := strings.Cut(c, " ")
		b.WriteString(name + " = v.column" + strconv.Itoa(i+2))
	}
	b.WriteString(" FROM (VALUES ")
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			if db.dialect.Name == "sqlite" {
				b.WriteByte('?')
				continue
			}
			_, typ, _ := strings.Cut(c, " ")
			b.WriteString("CAST($" + strconv.Itoa(r*len(cols)+i+1) + " AS " + typ + ")")
		}
		b.WriteByte(')')
	}
	key, _, _ := strings.Cut(cols[0], " ")
	b.WriteString(") AS v WHERE " + table + "." + key + " = v.column1")
	return b.String()
}

// scanIDs reads a one-column result of person ids.
func scanIDs(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ChunkJudge judges a chunk read as of now; see RecomputeDue.
type ChunkJudge func(c *healthcode.DueChunk, now time.Time) (statuses []*healthcode.Status, unchanged []bool, err error)

// RecomputeAll recomputes chunk after chunk until nothing is due, calling
// done after each chunk's commit. now is asked once a chunk.
//
// On SQLite it pipelines the two halves of the work on two cores: while
// chunk N holds the write lock and is written, chunk N+1 is taken, read
// and judged in a read transaction on another connection, whose snapshot
// starts while N holds the lock (so it is the state N started from). Chunk
// N+1 is then written in its own write transaction only if no connection
// but this one committed in between (PRAGMA data_version of the writing
// connection did not move); N's commit touched only N's people, so the
// read of N+1 is still exactly what a read under the lock would give, and
// no mark set meanwhile can be lost. Otherwise N+1 is taken and read again
// under the lock, as RecomputeDue does. Elsewhere it calls RecomputeDue in
// a loop.
func (db *DB) RecomputeAll(ctx context.Context, now func() time.Time, limit int,
	judge func(c *healthcode.DueChunk, now time.Time) ([]*healthcode.Status, []bool, error),
	done func(c *healthcode.DueChunk) error) error {
	if db.dialect.Name != "sqlite" {
		for {
			var taken *healthcode.DueChunk
			t := now()
			n, err := db.RecomputeDue(ctx, t, limit, func(c *healthcode.DueChunk) ([]*healthcode.Status, []bool, error) {
				taken = c
				return judge(c, t)
			})
			if err != nil || n == 0 {
				return err
			}
			if err := done(taken); err != nil {
				return err
			}
		}
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return db.wrap(err, "recompute connection")
	}
	defer conn.Close()
	var next chan *prefetch // the read of the chunk after the one being written
	defer func() {
		if next != nil {
			<-next
		}
	}()
	var lastVersion int64 // data_version seen by the previous chunk's transaction
	var chunks int
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, c, err := db.pipelineChunk(ctx, conn, now, limit, judge, &next, &lastVersion, &chunks)
		if err != nil || n == 0 {
			return err
		}
		if err := done(c); err != nil {
			return err
		}
	}
}

// prefetch is a chunk taken, read and judged outside the write lock.
type prefetch struct {
	c         *healthcode.DueChunk
	taken     string // the taken ids, as an SQL list
	orphans   string // the taken ids when some have a mark but no status, or ""
	statuses  []*healthcode.Status
	unchanged []bool
	err       error
}

// pipelineChunk writes one chunk: the prefetched one when it is still
// valid, else one taken and read now under the lock; and starts the read
// of the next one before committing.
func (db *DB) pipelineChunk(ctx context.Context, conn *sql.Conn, now func() time.Time, limit int, judge ChunkJudge,
	next *chan *prefetch, lastVersion *int64, chunks *int) (int, *healthcode.DueChunk, error) {
	var p *prefetch
	if *next != nil {
		p = <-*next
		*next = nil
		// A reader is open across every commit of the pipeline, so the
		// commits' own checkpoints never catch up with the WAL and it would
		// grow all through the job: checkpoint now and then, when nobody
		// of this job reads.
		if *chunks++; *chunks%4 == 0 {
			if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
				return 0, nil, db.wrap(err, "recompute checkpoint")
			}
		}
	}
	defer db.lockWrites()()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, db.wrap(err, "begin recompute chunk")
	}
	defer tx.Rollback()
	var version int64
	if err := tx.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&version); err != nil {
		return 0, nil, db.wrap(err, "recompute data version")
	}
	if p != nil {
		if p.err != nil || len(p.c.Statuses) == 0 || version != *lastVersion {
			p = nil // stale or empty: take again under the lock
		}
	}
	if p == nil {
		t := now()
		p = &prefetch{}
		p.c, p.taken, p.orphans, err = db.takeDueList(ctx, tx, t, limit, "")
		if err != nil {
			return 0, nil, err
		}
		if len(p.c.Statuses) == 0 {
			if p.orphans != "" {
				if err := db.dropOrphans(ctx, tx, p.orphans); err != nil {
					return 0, nil, err
				}
			}
			return 0, nil, db.wrap(tx.Commit(), "commit recompute chunk")
		}
		if err := db.readChunk(ctx, tx, p.c, t); err != nil {
			return 0, nil, err
		}
		if p.statuses, p.unchanged, err = judge(p.c, t); err != nil {
			return 0, nil, err
		}
	}
	// Read the next chunk beside this one's write; its snapshot must start
	// before this commit.
	ch := make(chan *prefetch, 1)
	started := make(chan struct{})
	go func() { ch <- db.prefetchChunk(ctx, now(), limit, p.taken, judge, started) }()
	<-started
	*next = ch
	if p.orphans != "" {
		if err := db.dropOrphans(ctx, tx, p.orphans); err != nil {
			return 0, nil, err
		}
	}
	if err := db.writeChunk(ctx, tx, p.c, p.statuses, p.unchanged); err != nil {
		return 0, nil, err
	}
	if err := tx.Commit(); err != nil {
		return 0, nil, db.wrap(err, "commit recompute chunk")
	}
	*lastVersion = version
	return len(p.c.Statuses), p.c, nil
}

// prefetchChunk takes, reads and judges the due statuses after the ones
// in exclude in read transactions; started is closed once their snapshot
// is fixed (or they failed before). When a second connection is free at
// once, the records are read on it beside the statuses and declarations.
func (db *DB) prefetchChunk(ctx context.Context, now time.Time, limit int, exclude string, judge ChunkJudge,
	started chan struct{}) *prefetch {
	p := &prefetch{}
	once := sync.OnceFunc(func() { close(started) })
	defer once()
	tx, err := db.readTx(ctx, db.db.Conn)
	if err != nil {
		p.err = err
		return p
	}
	defer tx.end()
	// A second reader when a connection is free now (waiting could
	// deadlock two recomputes that each hold some of the pool).
	tx2, err := db.readTx(ctx, func(ctx context.Context) (*sql.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		return db.db.Conn(ctx)
	})
	if err == nil {
		defer tx2.end()
	}
	once()

	ids, taken, marked, err := db.takeIDs(ctx, tx.Tx, now, limit, exclude)
	if err != nil || len(ids) == 0 {
		p.c, p.err = &healthcode.DueChunk{}, err
		return p
	}
	p.taken = taken
	var all *healthcode.DueChunk // every taken id, for the records
	var recordsErr error
	var wg sync.WaitGroup
	if tx2 != nil {
		all = &healthcode.DueChunk{Statuses: make([]healthcode.DueStatus, len(ids))}
		for i, id := range ids {
			all.Statuses[i].PersonID = id
		}
		wg.Go(func() { recordsErr = db.readRecords(ctx, tx2.Tx, all) })
	}
	p.c, p.err = db.readStatuses(ctx, tx.Tx, taken, len(ids))
	if p.err == nil && len(p.c.Statuses) > 0 {
		p.err = db.readDeclarations(ctx, tx.Tx, p.c, now)
	}
	wg.Wait()
	if p.err == nil {
		p.err = recordsErr
	}
	if p.err != nil || len(p.c.Statuses) == 0 {
		return p
	}
	if marked > 0 && len(p.c.Statuses) < len(ids) {
		p.orphans = taken
	}
	if all != nil {
		// Both lists are in person order, p.c's a subset of all's.
		j := 0
		for i := range p.c.Statuses {
			d := &p.c.Statuses[i]
			for all.Statuses[j].PersonID != d.PersonID {
				j++
			}
			decls := d.Facts.Declarations
			d.Facts = all.Statuses[j].Facts
			d.Facts.Declarations = decls
		}
	} else if p.err = db.readRecords(ctx, tx.Tx, p.c); p.err != nil {
		return p
	}
	if p.err = db.readHealthChecks(ctx, tx.Tx, p.c, now); p.err != nil {
		return p
	}
	tx.end() // release the connections before judging
	if tx2 != nil {
		tx2.end()
	}
	p.statuses, p.unchanged, p.err = judge(p.c, now)
	return p
}

// readTx is a read transaction on a connection of its own.
type readTx struct {
	*sql.Tx
	conn *sql.Conn
}

// end rolls the transaction back and returns the connection to the pool;
// it may be called again.
func (tx *readTx) end() {
	tx.Rollback()
	tx.conn.Close()
}

// readTx begins a read transaction on a connection from conn and fixes
// its snapshot (a WAL read transaction takes it at its first read).
func (db *DB) readTx(ctx context.Context, conn func(context.Context) (*sql.Conn, error)) (*readTx, error) {
	c, err := conn(ctx)
	if err != nil {
		return nil, err
	}
	// Every commit of the writer empties a reader's page cache: map the
	// file rather than read its pages again one call each.
	if _, err := c.ExecContext(ctx, `PRAGMA mmap_size = 4294967296`); err != nil {
		c.Close()
		return nil, err
	}
	tx, err := c.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		c.Close()
		return nil, err
	}
	rt := &readTx{tx, c}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT person_id FROM status_due LIMIT 1`).Scan(&id); err != nil && err != sql.ErrNoRows {
		rt.end()
		return nil, err
	}
	return rt, nil
}

// sortRecords puts each kind of record oldest first (by time, then id),
// as Facts reads them.
func sortRecords(f *healthcode.Facts) {
	by := func(a, b time.Time, x, y int64) int {
		if c := a.Compare(b); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	}
	if len(f.Tests) > 1 {
		slices.SortFunc(f.Tests, func(a, b healthcode.Test) int { return by(a.SampledAt, b.SampledAt, a.ID, b.ID) })
	}
	if len(f.Vaccinations) > 1 {
		slices.SortFunc(f.Vaccinations, func(a, b healthcode.Vaccination) int { return by(a.At, b.At, a.ID, b.ID) })
	}
	if len(f.Cases) > 1 {
		slices.SortFunc(f.Cases, func(a, b healthcode.Case) int { return by(a.DiagnosedAt, b.DiagnosedAt, a.ID, b.ID) })
	}
	if len(f.Contacts) > 1 {
		slices.SortFunc(f.Contacts, func(a, b healthcode.Contact) int { return by(a.ExposedAt, b.ExposedAt, a.ID, b.ID) })
	}
	if len(f.Quarantines) > 1 {
		slices.SortFunc(f.Quarantines, func(a, b healthcode.Quarantine) int { return by(a.From, b.From, a.ID, b.ID) })
	}
	if len(f.Travel) > 1 {
		slices.SortFunc(f.Travel, func(a, b healthcode.Travel) int { return by(a.From, b.From, a.ID, b.ID) })
	}
	if len(f.DrugPurchases) > 1 {
		slices.SortFunc(f.DrugPurchases, func(a, b healthcode.DrugPurchase) int { return by(a.At, b.At, a.ID, b.ID) })
	}
	if len(f.RemoteStatuses) > 1 {
		slices.SortFunc(f.RemoteStatuses, func(a, b healthcode.RemoteStatus) int { return by(a.At, b.At, a.ID, b.ID) })
	}
}
