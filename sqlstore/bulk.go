package sqlstore

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
)

// The bulk recompute claims due statuses in chunks by setting their
// re-evaluation time to a claim time after now, unique to the chunk: no
// other recompute takes them, a lapsed claim (a node that died) makes them
// due again, and every fact of the chunk is read with one query per kind
// joined on that value. Whoever marks a status due meanwhile overwrites the
// claim, so the write, conditional on it, leaves that status due.

// CountDue counts the statuses due at now.
func (db *DB) CountDue(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.queryRow(ctx, `SELECT count(*) FROM statuses WHERE reevaluate_at <= $1`, micros(now)).Scan(&n)
	return n, db.wrap(err, "count due statuses")
}

// claimQuery takes up to $3 statuses due at $2 and sets their time to $1.
// PostgreSQL skips rows another node is claiming; SQLite runs one write
// transaction at a time.
func (db *DB) claimQuery() string {
	lock := ""
	if db.dialect.Name == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	return `UPDATE statuses SET reevaluate_at = $1 WHERE reevaluate_at <= $2 AND person_id IN (
		SELECT person_id FROM statuses WHERE reevaluate_at <= $2 ORDER BY reevaluate_at LIMIT $3` + lock + `)
		RETURNING person_id, status`
}

// claimed joins a fact table to the statuses of one claim ($1).
const claimed = `statuses s JOIN profiles p ON p.person_id = s.person_id JOIN `

var (
	recordsOfClaim = recordsQuery("p.person_id, ", claimed, "ON r.person_key = p.person_key WHERE s.reevaluate_at = $1", "1, 4, 3")

	declarationsOfClaim = `SELECT d.` + strings.ReplaceAll(declarationColumns, ", ", ", d.") + `
		FROM statuses s JOIN declarations d ON d.person_id = s.person_id
		WHERE s.reevaluate_at = $1 AND (d.created_at >= $2 OR d.findings OR d.id = (
			SELECT x.id FROM declarations x WHERE x.person_id = d.person_id ORDER BY x.created_at DESC, x.id DESC LIMIT 1))
		ORDER BY d.person_id, d.created_at DESC, d.id DESC`

	overridesOfClaim = `SELECT a.person_id, a.id, COALESCE(a.corrected_colour, 0), a.decision_reason, a.decided_at, a.override_until
		FROM statuses s JOIN appeals a ON a.person_id = s.person_id
		WHERE s.reevaluate_at = $1 AND a.state = 'accepted'
		ORDER BY a.person_id, a.decided_at DESC, a.id DESC`

	keysOfClaim = `SELECT p.person_id, p.person_key FROM statuses s JOIN profiles p ON p.person_id = s.person_id WHERE s.reevaluate_at = $1`
)

// sqliteWrites orders the bulk writes of this process on SQLite. A
// recompute claims the next chunk while it writes the last; on SQLite's one
// write lock the loser would wait by busy_timeout's sleeps (up to 100 ms
// each), a mutex hands over at once.
var sqliteWrites sync.Mutex

func (db *DB) lockWrites() func() {
	if db.dialect.Name != "sqlite" {
		return func() {}
	}
	sqliteWrites.Lock()
	return sqliteWrites.Unlock
}

// ClaimDue claims up to limit due statuses and reads their facts as of now.
func (db *DB) ClaimDue(ctx context.Context, now, claim time.Time, limit int) (*healthcode.DueChunk, error) {
	c := &healthcode.DueChunk{Claim: claim}
	unlock := db.lockWrites()
	defer func() { unlock() }()
	rows, err := db.db.QueryContext(ctx, db.claimQuery(), micros(claim), micros(now), limit)
	if err != nil {
		return nil, db.wrap(err, "claim due statuses")
	}
	defer rows.Close()
	for rows.Next() {
		var d healthcode.DueStatus
		var js string
		if err := rows.Scan(&d.PersonID, &js); err != nil {
			return nil, db.wrap(err, "scan claimed status")
		}
		d.Prev = new(healthcode.Status)
		if err := fromJSON(js, d.Prev); err != nil {
			return nil, err
		}
		normaliseStatus(d.Prev)
		c.Statuses = append(c.Statuses, d)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "claim due statuses")
	}
	rows.Close()
	unlock()
	unlock = func() {}
	if len(c.Statuses) == 0 {
		return c, nil
	}
	if err := db.readClaimed(ctx, c, now); err != nil {
		return nil, err
	}
	return c, nil
}

// readClaimed fills the facts of a claimed chunk, a query per kind.
func (db *DB) readClaimed(ctx context.Context, c *healthcode.DueChunk, now time.Time) error {
	claim := micros(c.Claim)
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

	keys := make(map[int64][]byte, len(c.Statuses))
	rows, err := db.db.QueryContext(ctx, keysOfClaim, claim)
	if err != nil {
		return db.wrap(err, "claimed: person keys")
	}
	for rows.Next() {
		var id int64
		var key []byte
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return db.wrap(err, "claimed: scan person key")
		}
		keys[id] = key
	}
	rows.Close()

	rows, err = db.db.QueryContext(ctx, declarationsOfClaim, claim, micros(now.Add(-DeclarationWindow)))
	if err != nil {
		return db.wrap(err, "claimed: declarations")
	}
	ds, err := db.scanDeclarations(rows)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if f := facts(d.PersonID); f != nil {
			f.Declarations = append(f.Declarations, d)
		}
	}

	rows, err = db.db.QueryContext(ctx, recordsOfClaim, claim)
	if err != nil {
		return db.wrap(err, "claimed: records")
	}
	if err := scanRecords(rows, true, func(id int64) (*healthcode.Facts, []byte) { return facts(id), keys[id] }); err != nil {
		return db.wrap(err, "claimed: records")
	}

	rows, err = db.db.QueryContext(ctx, overridesOfClaim, claim)
	if err != nil {
		return db.wrap(err, "claimed: overrides")
	}
	defer rows.Close()
	for rows.Next() {
		var personID, colour, from, until int64
		var o healthcode.StatusOverride
		if err := rows.Scan(&personID, &o.AppealID, &colour, &o.Reason, &from, &until); err != nil {
			return db.wrap(err, "claimed: scan override")
		}
		// Newest first: the first row of a person is the one that counts.
		if f := facts(personID); f != nil && f.Override == nil {
			o.Colour, o.From, o.Until = healthcode.Colour(colour), fromMicros(from), fromMicros(until)
			f.Override = &o
		}
	}
	if err := rows.Err(); err != nil {
		return db.wrap(err, "claimed: overrides")
	}

	// Risk areas are read after the claim, like every other fact: a change
	// committed before it is seen, one after it marks the person due again.
	areas, err := db.RiskAreas(ctx)
	if err != nil {
		return err
	}
	for i := range c.Statuses {
		c.Statuses[i].Facts.RiskAreas = areas
	}
	return nil
}

// SaveClaimed writes a chunk's statuses in one transaction, each only if
// its row still holds the chunk's claim.
func (db *DB) SaveClaimed(ctx context.Context, c *healthcode.DueChunk, statuses []*healthcode.Status, unchanged []bool) (written, remarked int, err error) {
	defer db.lockWrites()()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, db.wrap(err, "begin save claimed")
	}
	defer tx.Rollback()
	write, err := tx.PrepareContext(ctx, `UPDATE statuses SET colour = $2, action_required = $3, reevaluate_at = $4,
		status = $5, evaluated_at = $6 WHERE person_id = $1 AND reevaluate_at = $7`)
	if err != nil {
		return 0, 0, db.wrap(err, "prepare save claimed")
	}
	defer write.Close()
	keep, err := tx.PrepareContext(ctx, `UPDATE statuses SET reevaluate_at = $2 WHERE person_id = $1 AND reevaluate_at = $3`)
	if err != nil {
		return 0, 0, db.wrap(err, "prepare save claimed")
	}
	defer keep.Close()
	claim := micros(c.Claim)
	for i, d := range c.Statuses {
		s := statuses[i]
		var n int64
		if unchanged[i] {
			res, err := keep.ExecContext(ctx, d.PersonID, nullMicros(s.ReevaluateAt), claim)
			if err != nil {
				return 0, 0, db.wrap(err, "clear due mark")
			}
			n, _ = res.RowsAffected()
		} else {
			js, err := toJSON(s)
			if err != nil {
				return 0, 0, err
			}
			res, err := write.ExecContext(ctx, d.PersonID, int64(s.Colour), s.ActionRequired, nullMicros(s.ReevaluateAt),
				js, micros(s.EvaluatedAt), claim)
			if err != nil {
				return 0, 0, db.wrap(err, "save claimed status")
			}
			n, _ = res.RowsAffected()
			written += int(n)
		}
		if n == 0 {
			remarked++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, db.wrap(err, "commit save claimed")
	}
	return written, remarked, nil
}
