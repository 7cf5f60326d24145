package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// memberChunk is how many members one insert statement carries on
// SQLite, in the process (PostgreSQL takes a roster in one statement of
// arrays, insertMembersArrays).
const memberChunk = 512

const memberInsertColumns = `org_id, unit, person_key, id_type, id_number, name, source, created_at,
	person_id, colour_class, action_required, tested_at, doses`

// memberInsertArgs is how many arguments memberInsertColumns takes.
const memberInsertArgs = 13

// AddOrgMembers adds ms to orgID's roster in one transaction. A member
// whose person_key is on the roster already (or earlier in ms) is skipped
// by the unique index on (person_key, org_id) (on SQLite the unique
// (org_id, person_key)) and counted as a duplicate. Each
// member is stored with the person registered with its document, if any,
// and what the roster shows of their status (org_facts.go).
func (db *DB) AddOrgMembers(ctx context.Context, orgID string, ms []*healthcode.OrgMember) (added, duplicate int, err error) {
	now := time.Now()
	sealed := make([][2][]byte, len(ms))
	err = parallel(len(ms), func(i int) error {
		m := ms[i]
		if m.PersonKey == nil {
			m.PersonKey = db.box.PersonKey(m.IDNumber)
		}
		var err error
		if sealed[i][0], err = db.box.Seal([]byte(m.IDNumber)); err != nil {
			return err
		}
		sealed[i][1], err = db.box.Seal([]byte(m.Name))
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	defer db.lockWrites()()
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return 0, 0, db.wrap(err, "add org members: connect")
	}
	defer conn.Close()
	if db.dialect.Name == "sqlite" {
		// A roster of 100,000 touches more index pages (two of them keyed
		// by hashes, all over the tree) than the default cache of 2 MB
		// holds; spilling them costs more than the inserts (as for record
		// imports, import.go). The cache shrinks back after.
		if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -`+importCacheKiB); err != nil {
			return 0, 0, db.wrap(err, "add org members: cache size")
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -2000`)
		// Nor does the foreign key to orgs get checked row by row: a
		// statement that may fail on it keeps a statement journal of every
		// page it changes. The organisation is read in the transaction,
		// which holds SQLite's one write lock, so it cannot go meanwhile.
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return 0, 0, db.wrap(err, "add org members: foreign keys")
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, db.wrap(err, "begin add org members")
	}
	defer tx.Rollback()
	// The organisation is read in the transaction, so a missing one is
	// ENOTFOUND rather than a foreign key failure halfway through.
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT seq FROM orgs WHERE id = $1`+db.dialect.ForUpdate, orgID).Scan(&seq); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, 0, notFound("organisation")
		}
		return 0, 0, db.wrap(err, "find org")
	}
	people, facts, err := db.memberPeople(ctx, tx, ms)
	if err != nil {
		return 0, 0, err
	}
	for _, m := range ms {
		if m.CreatedAt.IsZero() {
			m.CreatedAt = now
		}
		m.CreatedAt = stored(m.CreatedAt)
		if m.Source == "" {
			m.Source = healthcode.MemberFromRoster
		}
		m.OrgID = orgID
	}
	var n int64
	if db.dialect.Name == "postgres" {
		n, err = db.insertMembersArrays(ctx, tx, orgID, ms, sealed, people, facts)
	} else {
		n, err = db.insertMembersRows(ctx, tx, orgID, ms, sealed, people, facts)
	}
	if err != nil {
		return 0, 0, db.wrap(err, "add org members")
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, db.wrap(err, "commit org members")
	}
	return int(n), len(ms) - int(n), nil
}

// insertMembersRows inserts ms in multi-row statements of memberChunk
// rows (SQLite); it returns how many were added.
func (db *DB) insertMembersRows(ctx context.Context, tx *sql.Tx, orgID string, ms []*healthcode.OrgMember, sealed [][2][]byte,
	people map[string]int64, facts map[int64]*healthcode.Status) (int64, error) {
	args := make([]any, 0, len(ms)*memberInsertArgs)
	for i, m := range ms {
		var personID sql.NullInt64
		f := factsOf(nil)
		if id, ok := people[string(m.PersonKey)]; ok {
			personID = sql.NullInt64{Int64: id, Valid: true}
			f = factsOf(facts[id])
		}
		args = append(args, orgID, m.Unit, m.PersonKey, m.IDType, sealed[i][0], sealed[i][1], m.Source, micros(m.CreatedAt),
			personID, f.class, f.action, f.testedAt, f.doses)
	}
	q := func(n int) string {
		return db.queryText("insert org members", n, func(n int) string {
			// OR IGNORE leaves the statement no constraint to abort on, so
			// SQLite keeps no statement journal (see ImportRecords).
			q := insertRowsWith("org_members", memberInsertColumns, n, false)
			return "INSERT OR IGNORE" + strings.TrimSuffix(strings.TrimPrefix(q, "INSERT"), " ON CONFLICT DO NOTHING")
		})
	}
	n, _, err := db.execRows(ctx, tx, q, memberChunk, memberInsertArgs, args)
	return n, err
}

// insertMembersArraysQuery inserts the members of one array a column
// (PostgreSQL). The arrays are unnested in the select list, side by side
// and in order, so the ids follow the roster's order; unnest in FROM would
// first copy all the rows into a tuplestore, spilt to a temporary file
// past work_mem (28 MB for 100,000 members).
const insertMembersArraysQuery = `INSERT INTO org_members (` + memberInsertColumns + `)
	SELECT $1, unnest(CAST($2 AS TEXT[])), unnest(CAST($3 AS BYTEA[])), unnest(CAST($4 AS TEXT[])),
		unnest(CAST($5 AS BYTEA[])), unnest(CAST($6 AS BYTEA[])), unnest(CAST($7 AS TEXT[])), unnest(CAST($8 AS BIGINT[])),
		unnest(CAST($9 AS BIGINT[])), unnest(CAST($10 AS SMALLINT[])), unnest(CAST($11 AS BOOLEAN[])),
		unnest(CAST($12 AS BIGINT[])), unnest(CAST($13 AS BIGINT[]))
	ON CONFLICT DO NOTHING`

// insertMembersArrays inserts ms in one statement whose arguments are a
// column each (PostgreSQL), and returns how many were added: 12 arrays
// in the binary format instead of 1.3 million parameters in statements
// of 4,096 rows, each bound and planned by the server (for 100,000
// members, 3.5 s → 1.7–2.2 s, with the indexes of migration 0024).
func (db *DB) insertMembersArrays(ctx context.Context, tx *sql.Tx, orgID string, ms []*healthcode.OrgMember, sealed [][2][]byte,
	people map[string]int64, facts map[int64]*healthcode.Status) (int64, error) {
	n := len(ms)
	var (
		units, idTypes, sources = make([]string, n), make([]string, n), make([]string, n)
		keys, idNumbers, names  = make([][]byte, n), make([][]byte, n), make([][]byte, n)
		created, doses          = make([]int64, n), make([]int64, n)
		personIDs, testedAt     = make([]*int64, n), make([]*int64, n)
		classes                 = make([]int16, n)
		actions                 = make([]bool, n)
		ids                     = make([]int64, n) // backing personIDs
		times                   = make([]int64, n) // backing testedAt
	)
	for i, m := range ms {
		f := factsOf(nil)
		if id, ok := people[string(m.PersonKey)]; ok {
			ids[i] = id
			personIDs[i] = &ids[i]
			f = factsOf(facts[id])
		}
		units[i], keys[i], idTypes[i], idNumbers[i], names[i], sources[i], created[i] =
			m.Unit, m.PersonKey, m.IDType, sealed[i][0], sealed[i][1], m.Source, micros(m.CreatedAt)
		classes[i], actions[i], doses[i] = int16(f.class), f.action, f.doses
		if f.testedAt.Valid {
			times[i] = f.testedAt.Int64
			testedAt[i] = &times[i]
		}
	}
	res, err := tx.ExecContext(ctx, insertMembersArraysQuery, orgID, units, keys, idTypes, idNumbers, names, sources, created,
		personIDs, classes, actions, testedAt, doses)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// memberPeople looks up the registered person of each member's key and
// their stored statuses (nil for none), decoded on every core. On
// PostgreSQL the profiles stay as read until tx ends (lockProfiles), and
// the statuses read are locked against change: a registration or a status
// written meanwhile waits, then links or updates the rows tx stored.
func (db *DB) memberPeople(ctx context.Context, tx *sql.Tx, ms []*healthcode.OrgMember) (map[string]int64, map[int64]*healthcode.Status, error) {
	if db.dialect.Name == "postgres" {
		if err := lockProfiles(ctx, tx); err != nil {
			return nil, nil, db.wrap(err, "add org members: lock profiles")
		}
	}
	keys := make([][]byte, len(ms))
	for i, m := range ms {
		keys[i] = m.PersonKey
	}
	var people map[string]int64
	var err error
	if db.dialect.Name == "postgres" {
		// One statement for every key, an array of them: the profiles'
		// index is probed key by key all the same.
		people = make(map[string]int64, len(keys))
		err = scanPeople(tx.QueryContext(ctx, `SELECT person_key, person_id FROM profiles WHERE person_key = ANY(CAST($1 AS BYTEA[]))`,
			keys))(people)
		err = db.wrap(err, "look up people")
	} else {
		people, err = db.personIDs(ctx, tx, keys)
	}
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, 0, len(people))
	for _, id := range people {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	lock := ""
	if db.dialect.Name == "postgres" {
		lock = " FOR SHARE"
	}
	var pids []int64
	var raws [][]byte
	const batch = 10_000
	for len(ids) > 0 {
		chunk := ids[:min(batch, len(ids))]
		ids = ids[len(chunk):]
		rows, err := tx.QueryContext(ctx, `SELECT person_id, status FROM statuses WHERE person_id `+db.inIDs(1)+lock,
			db.idsArg(joinIDs(chunk)))
		if err != nil {
			return nil, nil, db.wrap(err, "add org members: statuses")
		}
		for rows.Next() {
			var id int64
			var raw []byte
			if err := rows.Scan(&id, &raw); err != nil {
				rows.Close()
				return nil, nil, db.wrap(err, "add org members: statuses")
			}
			pids, raws = append(pids, id), append(raws, raw)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, db.wrap(err, "add org members: statuses")
		}
	}
	decoded := make([]healthcode.Status, len(raws))
	if err := parallel(len(raws), func(i int) error { return unmarshalStatus(raws[i], &decoded[i]) }); err != nil {
		return nil, nil, err
	}
	statuses := make(map[int64]*healthcode.Status, len(pids))
	for i, id := range pids {
		statuses[id] = &decoded[i]
	}
	return people, statuses, nil
}

const memberColumns = `id, org_id, unit, person_key, id_type, id_number, name, source, created_at`

// OrgMembersByPersonKey returns every membership of the person with
// personKey, opened, in organisation order.
func (db *DB) OrgMembersByPersonKey(ctx context.Context, personKey []byte) ([]*healthcode.OrgMember, error) {
	s, err := db.prepared(ctx, `SELECT `+memberColumns+` FROM org_members WHERE person_key = $1 ORDER BY org_id, id`)
	if err != nil {
		return nil, db.wrap(err, "members by person key")
	}
	rows, err := s.QueryContext(ctx, nonNil(personKey))
	if err != nil {
		return nil, db.wrap(err, "members by person key")
	}
	defer rows.Close()
	ms := []*healthcode.OrgMember{}
	for rows.Next() {
		m, err := db.scanMember(rows)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, db.wrap(rows.Err(), "members by person key")
}

// memberRow is a row of memberColumns as stored.
type memberRow struct {
	m              healthcode.OrgMember
	idNumber, name []byte
	created        int64
}

func (r *memberRow) dest() []any {
	return []any{&r.m.ID, &r.m.OrgID, &r.m.Unit, &r.m.PersonKey, &r.m.IDType, &r.idNumber, &r.name, &r.m.Source, &r.created}
}

// openMember returns the member of r with its sealed columns opened.
func (db *DB) openMember(r *memberRow) (*healthcode.OrgMember, error) {
	m := r.m
	m.CreatedAt = fromMicros(r.created)
	plain, err := db.box.Open(r.idNumber)
	if err != nil {
		return nil, err
	}
	m.IDNumber = string(plain)
	if plain, err = db.box.Open(r.name); err != nil {
		return nil, err
	}
	m.Name = string(plain)
	return &m, nil
}

// scanMember reads a row of memberColumns and opens its sealed columns.
func (db *DB) scanMember(rs rowScanner) (*healthcode.OrgMember, error) {
	var r memberRow
	if err := rs.Scan(r.dest()...); err != nil {
		return nil, db.wrap(err, "read org member")
	}
	return db.openMember(&r)
}

// OrgMemberPage returns the members of orgID that f selects, in id order,
// with what a manager may see of their statuses; tested counts a test
// sampled in [now-window, now].
func (db *DB) OrgMemberPage(ctx context.Context, orgID string, f healthcode.OrgMemberFilter, now time.Time, window time.Duration) ([]*healthcode.MemberStatus, error) {
	s, err := db.prepared(ctx, `SELECT `+memberColumns+`, person_id, colour_class, action_required, tested_at, doses
		FROM org_members WHERE org_id = $1 AND ($2 = '' OR unit = $2) AND id > $3 ORDER BY id LIMIT $4`)
	if err != nil {
		return nil, db.wrap(err, "org members")
	}
	rows, err := s.QueryContext(ctx, orgID, f.Unit, f.After, int64(f.Limit))
	if err != nil {
		return nil, db.wrap(err, "org members")
	}
	defer rows.Close()
	from, to := micros(now.Add(-window)), micros(now)
	page := []*healthcode.MemberStatus{}
	for rows.Next() {
		var ms healthcode.MemberStatus
		var personID, testedAt sql.NullInt64
		var class, doses int64
		var m memberRow
		if err := rows.Scan(append(m.dest(), &personID, &class, &ms.ActionRequired, &testedAt, &doses)...); err != nil {
			return nil, db.wrap(err, "org members")
		}
		if ms.Member, err = db.openMember(&m); err != nil {
			return nil, err
		}
		ms.PersonID = personID.Int64
		ms.HasStatus = class != classMissing
		if ms.HasStatus {
			ms.Colour = healthcode.Colour(class)
		}
		ms.TestedWithinWindow = testedAt.Valid && testedAt.Int64 >= from && testedAt.Int64 <= to
		ms.Doses = int(doses)
		page = append(page, &ms)
	}
	return page, db.wrap(rows.Err(), "org members")
}

// RemoveOrgMember takes the person with personKey off orgID's roster;
// ENOTFOUND when they are not on it.
func (db *DB) RemoveOrgMember(ctx context.Context, orgID string, personKey []byte) error {
	res, err := db.db.ExecContext(ctx, `DELETE FROM org_members WHERE org_id = $1 AND person_key = $2`, orgID, nonNil(personKey))
	if err != nil {
		return db.wrap(err, "remove org member")
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(err, "remove org member")
	} else if n == 0 {
		return notFound("membership")
	}
	return nil
}
