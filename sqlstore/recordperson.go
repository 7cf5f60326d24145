package sqlstore

import (
	"context"
	"database/sql"
	"strings"
)

// A record names its person by person_key, the keyed hash of a document
// number, so that a record can arrive before anyone registered with it.
// Each record row also carries the id of the registered person with that
// key (NULL while nobody did), and every read of a registered person's
// records goes by that id: the bulk recompute's chunks, Facts, the
// rosters' joins. Only pending rows (person_id NULL) are looked up by key,
// to link them, so only they are in a key index (migration 0029): hashed
// keys land all over an index, and one of every record was the costliest
// part of storing it. Reading by id finds every record of the key because
// person_id always names the holder of the row's key: every writer of records looks the ids up;
// saving a profile unlinks the rows of its former key and links the
// pending rows of its new one; profiles.person_key is unique, so no other
// profile's rows can carry the new key.
//
// On PostgreSQL, where a registration and a writer of records can run side
// by side, the writer holds profiles in SHARE mode from its last look-up to
// its commit (lockProfiles), so a registration either is seen by that
// look-up or starts after the commit and links the rows itself. An import
// looks up on another connection and puts right at its end the profiles
// changed since it started (importer.relink).

// recordTables are the tables whose rows carry person_key and person_id.
var recordTables = []string{"tests", "vaccinations", "cases", "contacts", "quarantines", "travel",
	"drug_purchases", "remote_statuses"}

// lookupPeopleQuery selects person_key and person_id of the profiles of n
// keys.
func lookupPeopleQuery(dialect string, n int) string {
	var b strings.Builder
	b.WriteString(`SELECT person_key, person_id FROM profiles`)
	if dialect == "sqlite" {
		// Its planner prefers the unique index, which lacks person_id.
		b.WriteString(` INDEXED BY profiles_person_key_id`)
	}
	b.WriteString(` WHERE person_key IN (`)
	paramList(&b, n, 0, dialect != "sqlite")
	b.WriteString(`)`)
	return b.String()
}

// scanPeople returns a function that reads the rows of a lookupPeopleQuery
// into found, by key.
func scanPeople(rows *sql.Rows, err error) func(found map[string]int64) error {
	return func(found map[string]int64) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		var key []byte
		var id int64
		for rows.Next() {
			if err := rows.Scan(&key, &id); err != nil {
				return err
			}
			found[string(key)] = id
		}
		return rows.Err()
	}
}

// personIDs looks up the registered person of each key; a key nobody
// registered with is missing from the answer.
func (db *DB) personIDs(ctx context.Context, tx *sql.Tx, keys [][]byte) (map[string]int64, error) {
	found := make(map[string]int64, len(keys))
	const batch = 500
	args := make([]any, 0, batch)
	for len(keys) > 0 {
		chunk := keys[:min(batch, len(keys))]
		keys = keys[len(chunk):]
		args = args[:0]
		for _, k := range chunk {
			args = append(args, k)
		}
		q := db.queryText("lookup people", len(chunk), func(n int) string { return lookupPeopleQuery(db.dialect.Name, n) })
		if err := scanPeople(tx.QueryContext(ctx, q, args...))(found); err != nil {
			return nil, db.wrap(err, "look up people")
		}
	}
	return found, nil
}

// setPersonIDs sets the person id argument of each row of args (ncols
// arguments per row, the key at argPersonKey) whose key a profile has.
func (db *DB) setPersonIDs(ctx context.Context, tx *sql.Tx, args []any, ncols int) error {
	keys := make([][]byte, 0, len(args)/ncols)
	for i := 0; i < len(args); i += ncols {
		keys = append(keys, args[i+argPersonKey].([]byte))
	}
	found, err := db.personIDs(ctx, tx, keys)
	if err != nil {
		return err
	}
	for i := 0; i < len(args); i += ncols {
		if id, ok := found[string(args[i+argPersonKey].([]byte))]; ok {
			args[i+argPersonID] = id
		}
	}
	return nil
}

// lockProfiles keeps profiles from changing until tx ends (PostgreSQL;
// SQLite's one writer needs no lock).
func lockProfiles(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `LOCK TABLE profiles IN SHARE MODE`)
	return err
}

// linkRecords points every record of key at personID, and every record
// that pointed at personID under another key at nobody: the person's
// document number changed or was set for the first time.
func (db *DB) linkRecords(ctx context.Context, tx *sql.Tx, personID int64, key []byte) error {
	for _, t := range recordTables {
		if err := db.unlinkTable(ctx, tx, t, personID, key); err != nil {
			return err
		}
		if _, err := db.linkTable(ctx, tx, t, personID, key); err != nil {
			return err
		}
	}
	return nil
}

// unlinkTable points the rows of table that point at personID under
// another key than key at nobody.
func (db *DB) unlinkTable(ctx context.Context, tx *sql.Tx, table string, personID int64, key []byte) error {
	_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET person_id = NULL WHERE person_id = $1 AND person_key <> $2`,
		personID, key)
	return db.wrap(err, "unlink "+table)
}

// linkTable points the pending rows of key in table at personID and
// returns how many. Rows of key that point at somebody else are the
// former holder's, for unlinkTable of that holder to let go first: each
// is found by person_id, and only pending rows are indexed by key.
func (db *DB) linkTable(ctx context.Context, tx *sql.Tx, table string, personID int64, key []byte) (int64, error) {
	res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET person_id = $1 WHERE person_key = $2 AND person_id IS NULL`,
		personID, key)
	if err != nil {
		return 0, db.wrap(err, "link "+table)
	}
	n, err := res.RowsAffected()
	return n, db.wrap(err, "link "+table)
}

// PersonKeys returns the person key of each of ids that has a profile,
// in queries of up to 10,000 ids.
func (db *DB) PersonKeys(ctx context.Context, ids []int64) (map[int64][]byte, error) {
	keys := make(map[int64][]byte, len(ids))
	const batch = 10_000
	for len(ids) > 0 {
		chunk := ids[:min(batch, len(ids))]
		ids = ids[len(chunk):]
		rows, err := db.db.QueryContext(ctx, `SELECT person_id, person_key FROM profiles WHERE person_id `+db.inIDs(1),
			db.idsArg(joinIDs(chunk)))
		if err != nil {
			return nil, db.wrap(err, "person keys")
		}
		for rows.Next() {
			var id int64
			var key []byte
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return nil, db.wrap(err, "person keys")
			}
			keys[id] = key
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, db.wrap(err, "person keys")
		}
	}
	return keys, nil
}
