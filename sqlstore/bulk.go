package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
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
	c, err := db.takeDue(ctx, tx, now, limit)
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
func (db *DB) takeDue(ctx context.Context, tx *sql.Tx, now time.Time, limit int) (*healthcode.DueChunk, error) {
	lock := ""
	if db.dialect.Name == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	ids, err := scanIDs(tx.QueryContext(ctx, `SELECT person_id FROM status_due WHERE due_at <= $1
		ORDER BY person_id LIMIT $2`+lock, micros(now), limit))
	if err != nil {
		return nil, db.wrap(err, "take marked statuses")
	}
	marked := len(ids)
	if len(ids) < limit {
		more, err := scanIDs(tx.QueryContext(ctx, `SELECT person_id FROM statuses WHERE reevaluate_at <= $1
			ORDER BY reevaluate_at LIMIT $2`+lock, micros(now), limit-len(ids)))
		if err != nil {
			return nil, db.wrap(err, "take due statuses")
		}
		ids = append(ids, more...)
	}
	c := &healthcode.DueChunk{}
	if len(ids) == 0 {
		return c, nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	list := make([]byte, 0, len(ids)*8)
	for i, id := range ids {
		if i > 0 {
			list = append(list, ',')
		}
		list = strconv.AppendInt(list, id, 10)
	}
	forUpdate := ""
	if db.dialect.Name == "postgres" {
		forUpdate = " FOR UPDATE"
	}
	rows, err := tx.QueryContext(ctx, `SELECT person_id, status FROM statuses WHERE person_id IN (`+string(list)+`)
		ORDER BY person_id`+forUpdate)
	if err != nil {
		return nil, db.wrap(err, "read due statuses")
	}
	defer rows.Close()
	var sortedRaw []string
	for rows.Next() {
		var d healthcode.DueStatus
		var js string
		if err := rows.Scan(&d.PersonID, &js); err != nil {
			return nil, db.wrap(err, "scan due status")
		}
		c.Statuses = append(c.Statuses, d)
		sortedRaw = append(sortedRaw, js)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "read due statuses")
	}
	rows.Close()
	if marked > 0 && len(c.Statuses) < len(ids) {
		// Marks of people without a status: nothing to take, drop them.
		if _, err := tx.ExecContext(ctx, `DELETE FROM status_due WHERE person_id IN (`+string(list)+`)
			AND person_id NOT IN (SELECT person_id FROM statuses WHERE person_id IN (`+string(list)+`))`); err != nil {
			return nil, db.wrap(err, "drop orphan due marks")
		}
	}
	prevs := make([]healthcode.Status, len(c.Statuses))
	err = parallel(len(c.Statuses), func(i int) error {
		if err := fromJSON(sortedRaw[i], &prevs[i]); err != nil {
			return err
		}
		normaliseStatus(&prevs[i])
		c.Statuses[i].Prev = &prevs[i]
		return nil
	})
	return c, err
}

// parallel calls fn(i) for i in [0, n) on every core and returns the
// first error.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
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

// appendBlob appends b as a blob literal of the dialect.
func (db *DB) appendBlob(dst, b []byte) []byte {
	if db.dialect.Name == "postgres" {
		dst = append(dst, `'\x`...)
		dst = hex.AppendEncode(dst, b)
		return append(dst, "'::bytea"...)
	}
	dst = append(dst, "X'"...)
	dst = hex.AppendEncode(dst, b)
	return append(dst, '\'')
}

// readChunk fills the facts of a taken chunk: the person keys, the
// declarations, each kind of record that has any rows at all, the
// accepted appeals when there are any, and the risk areas.
func (db *DB) readChunk(ctx context.Context, tx *sql.Tx, c *healthcode.DueChunk, now time.Time) error {
	ids := idList(c)
	index := make(map[int64]int, len(c.Statuses))
	for i := range c.Statuses {
		index[c.Statuses[i].PersonID] = i
	}
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

	byKey := make(map[string]int, len(c.Statuses))
	keys := make([][]byte, len(c.Statuses))
	var keyList []byte // the keys as SQL blob literals
	rows, err := tx.QueryContext(ctx, `SELECT person_id, person_key FROM profiles WHERE person_id IN (`+ids+`) ORDER BY person_key`)
	if err != nil {
		return db.wrap(err, "chunk: person keys")
	}
	for rows.Next() {
		var id int64
		var key []byte
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return db.wrap(err, "chunk: scan person key")
		}
		if i, ok := index[id]; ok {
			keys[i] = key
			byKey[string(key)] = i
			if len(keyList) > 0 {
				keyList = append(keyList, ',')
			}
			keyList = db.appendBlob(keyList, key)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return db.wrap(err, "chunk: person keys")
	}

	rows, err = tx.QueryContext(ctx, `SELECT `+declarationColumns+` FROM declarations d
		WHERE d.person_id IN (`+ids+`) AND (d.created_at >= $1 OR d.findings OR d.id = (
			SELECT x.id FROM declarations x WHERE x.person_id = d.person_id ORDER BY x.created_at DESC, x.id DESC LIMIT 1))
		ORDER BY d.person_id, d.created_at DESC, d.id DESC`, micros(now.Add(-DeclarationWindow)))
	if err != nil {
		return db.wrap(err, "chunk: declarations")
	}
	ds, err := db.scanDeclarationsParallel(rows)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if f := facts(d.PersonID); f != nil {
			f.Declarations = append(f.Declarations, d)
		}
	}

	if len(keyList) > 0 {
		// Literals, not thousands of parameters: SQLite looks parameters
		// up by name in a list, quadratic in their number.
		in := string(keyList)
		var key []byte
		for i, k := range recordKinds {
			if present[i] == 0 {
				continue
			}
			// Oldest first within a person, as Facts reads them.
			rows, err := tx.QueryContext(ctx, `SELECT r.person_key, '`+k.kind+`', `+k.cols+` FROM `+k.table+
				` r WHERE r.person_key IN (`+in+`) ORDER BY 4, 3`)
			if err != nil {
				return db.wrap(err, "chunk: "+k.table)
			}
			err = scanRecords(rows, &key, func() (*healthcode.Facts, []byte) {
				if i, ok := byKey[string(key)]; ok {
					return &c.Statuses[i].Facts, keys[i]
				}
				return nil, nil
			})
			if err != nil {
				return db.wrap(err, "chunk: "+k.table)
			}
		}
	}

	if present[len(recordKinds)] != 0 {
		rows, err := tx.QueryContext(ctx, `SELECT a.person_id, a.id, COALESCE(a.corrected_colour, 0), a.decision_reason,
				a.decided_at, a.override_until
			FROM appeals a WHERE a.person_id IN (`+ids+`) AND a.state = 'accepted'
			ORDER BY a.person_id, a.decided_at DESC, a.id DESC`)
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

// scanDeclarationsParallel is scanDeclarations with the JSON columns
// decoded on every core once the rows are read.
func (db *DB) scanDeclarationsParallel(rows *sql.Rows) ([]healthcode.Declaration, error) {
	defer rows.Close()
	var ds []healthcode.Declaration
	var raw []string // symptoms and places of each row
	for rows.Next() {
		var d healthcode.Declaration
		var temp sql.NullFloat64
		var symptoms, places string
		var created int64
		if err := rows.Scan(&d.ID, &d.PersonID, &temp, &symptoms, &d.FeverMedicine, &d.CaseContact, &places,
			&d.ReturnToWork, &d.Findings, &created); err != nil {
			return nil, db.wrap(err, "scan declaration")
		}
		if temp.Valid {
			d.Temperature = &temp.Float64
		}
		d.CreatedAt = fromMicros(created)
		ds = append(ds, d)
		raw = append(raw, symptoms, places)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "scan declarations")
	}
	err := parallel(len(ds), func(i int) error {
		d := &ds[i]
		if raw[2*i] != "[]" {
			if err := fromJSON(raw[2*i], &d.Symptoms); err != nil {
				return err
			}
		}
		if raw[2*i+1] != "[]" {
			if err := fromJSON(raw[2*i+1], &d.Places); err != nil {
				return err
			}
		}
		if len(d.Symptoms) == 0 {
			d.Symptoms = nil
		}
		if len(d.Places) == 0 {
			d.Places = nil
		}
		for i := range d.Places {
			d.Places[i].From, d.Places[i].To = stored(d.Places[i].From), stored(d.Places[i].To)
		}
		return nil
	})
	return ds, err
}

// writeChunk writes statuses[i] for c.Statuses[i], or only clears the due
// mark when unchanged[i]. The JSON is encoded on every core first.
func (db *DB) writeChunk(ctx context.Context, tx *sql.Tx, c *healthcode.DueChunk, statuses []*healthcode.Status, unchanged []bool) error {
	n := len(c.Statuses)
	js := make([]string, n)
	if err := parallel(n, func(i int) error {
		if unchanged[i] {
			return nil
		}
		var err error
		js[i], err = toJSON(statuses[i])
		return err
	}); err != nil {
		return err
	}
	write, err := tx.PrepareContext(ctx, `UPDATE statuses SET colour = $2, action_required = $3, reevaluate_at = $4,
		status = $5, evaluated_at = $6 WHERE person_id = $1`)
	if err != nil {
		return db.wrap(err, "prepare recompute write")
	}
	defer write.Close()
	keep, err := tx.PrepareContext(ctx, `UPDATE statuses SET reevaluate_at = $2 WHERE person_id = $1`)
	if err != nil {
		return db.wrap(err, "prepare recompute write")
	}
	defer keep.Close()
	// The chunk holds its people locked: no mark can have been set since
	// their facts were read, so every mark of the chunk is answered.
	if _, err := tx.ExecContext(ctx, `DELETE FROM status_due WHERE person_id IN (`+idList(c)+`)`); err != nil {
		return db.wrap(err, "clear due marks")
	}
	for i, d := range c.Statuses {
		s := statuses[i]
		if unchanged[i] {
			if _, err := keep.ExecContext(ctx, d.PersonID, nullMicros(s.ReevaluateAt)); err != nil {
				return db.wrap(err, "clear due mark")
			}
			continue
		}
		if _, err := write.ExecContext(ctx, d.PersonID, int64(s.Colour), s.ActionRequired, nullMicros(s.ReevaluateAt),
			js[i], micros(s.EvaluatedAt)); err != nil {
			return db.wrap(err, "write recomputed status")
		}
	}
	return nil
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
