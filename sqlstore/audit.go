package sqlstore

import (
	"context"
	"database/sql"

	"github.com/healthcode/healthcode"
)

// AppendAudit chains and stores entries in one transaction.
func (db *DB) AppendAudit(ctx context.Context, entries ...*healthcode.AuditEntry) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "begin audit")
	}
	defer tx.Rollback()
	if err := db.appendAudit(ctx, tx, entries); err != nil {
		return err
	}
	return db.wrap(tx.Commit(), "commit audit")
}

// appendAudit chains entries after the head inside tx. Locking the head
// row serialises appends across nodes: FOR UPDATE on PostgreSQL; on SQLite
// the transaction holds the write lock from BEGIN.
func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, entries []*healthcode.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var lastID int64
	var lastHash []byte
	if err := tx.QueryRowContext(ctx, `SELECT last_id, last_hash FROM audit_head WHERE one = 1`+db.dialect.ForUpdate).
		Scan(&lastID, &lastHash); err != nil {
		return db.wrap(err, "read audit head")
	}
	for _, e := range entries {
		e.At = stored(e.At)
		e.ID, e.PrevHash = lastID+1, nonNil(lastHash)
		e.Hash = e.ComputeHash(e.PrevHash)
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, token_id, actor, role, person_id, what, purpose, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.ID, micros(e.At), e.TokenID, e.Actor, string(e.Role), e.PersonID, e.What, e.Purpose, e.PrevHash, e.Hash); err != nil {
			return db.wrap(err, "append audit entry")
		}
		lastID, lastHash = e.ID, e.Hash
	}
	_, err := tx.ExecContext(ctx, `UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE one = 1`, lastID, lastHash)
	return db.wrap(err, "update audit head")
}

const auditColumns = `id, at, token_id, actor, role, person_id, what, purpose, prev_hash, hash`

func (db *DB) AccessLog(ctx context.Context, personID, before int64, limit int) ([]*healthcode.AuditEntry, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log
		WHERE person_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, personID, before, limit)
	if err != nil {
		return nil, db.wrap(err, "access log")
	}
	defer rows.Close()
	var out []*healthcode.AuditEntry
	for rows.Next() {
		e, err := db.scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, db.wrap(rows.Err(), "access log")
}

func (db *DB) AuditHead(ctx context.Context) (int64, []byte, error) {
	var id int64
	var hash []byte
	err := db.db.QueryRowContext(ctx, `SELECT last_id, last_hash FROM audit_head WHERE one = 1`).Scan(&id, &hash)
	return id, hash, db.wrap(err, "read audit head")
}

// walkPage bounds the rows one query of WalkAudit reads, so a long walk
// holds no read transaction open for its whole length.
const walkPage = 5000

func (db *DB) WalkAudit(ctx context.Context, fn func(*healthcode.AuditEntry) error) error {
	var after int64
	for {
		rows, err := db.db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log
			WHERE id > $1 ORDER BY id LIMIT $2`, after, walkPage)
		if err != nil {
			return db.wrap(err, "walk audit")
		}
		var page []*healthcode.AuditEntry
		for rows.Next() {
			e, err := db.scanAudit(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page = append(page, e)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return db.wrap(err, "walk audit")
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < walkPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

func (db *DB) scanAudit(rows *sql.Rows) (*healthcode.AuditEntry, error) {
	var e healthcode.AuditEntry
	var at int64
	var role string
	if err := rows.Scan(&e.ID, &at, &e.TokenID, &e.Actor, &role, &e.PersonID, &e.What, &e.Purpose, &e.PrevHash, &e.Hash); err != nil {
		return nil, db.wrap(err, "scan audit entry")
	}
	e.At, e.Role = fromMicros(at), healthcode.Role(role)
	return &e, nil
}
