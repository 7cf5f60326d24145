package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/healthcode/healthcode"
)

// memberChunk is how many members one insert statement carries: 8 columns
// each keeps it far below both databases' parameter limits.
const memberChunk = 512

const memberInsertColumns = `org_id, unit, person_key, id_type, id_number, name, source, created_at`

// AddOrgMembers adds ms to orgID's roster in one transaction. A member
// whose person_key is on the roster already (or earlier in ms) is skipped
// by the unique (org_id, person_key) and counted as a duplicate.
func (db *DB) AddOrgMembers(ctx context.Context, orgID string, ms []*healthcode.OrgMember) (added, duplicate int, err error) {
	now := time.Now()
	args := make([]any, 0, len(ms)*8)
	for _, m := range ms {
		if m.PersonKey == nil {
			m.PersonKey = db.box.PersonKey(m.IDNumber)
		}
		if m.CreatedAt.IsZero() {
			m.CreatedAt = now
		}
		m.CreatedAt = stored(m.CreatedAt)
		if m.Source == "" {
			m.Source = healthcode.MemberFromRoster
		}
		m.OrgID = orgID
		idNumber, err := db.box.Seal([]byte(m.IDNumber))
		if err != nil {
			return 0, 0, err
		}
		name, err := db.box.Seal([]byte(m.Name))
		if err != nil {
			return 0, 0, err
		}
		args = append(args, orgID, m.Unit, m.PersonKey, m.IDType, idNumber, name, m.Source, micros(m.CreatedAt))
	}
	defer db.lockWrites()()
	tx, err := db.db.BeginTx(ctx, nil)
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
	q := func(n int) string {
		return db.queryText("insert org members", n, func(n int) string {
			return insertRowsWith("org_members", memberInsertColumns, n, db.dialect.Name != "sqlite")
		})
	}
	n, _, err := db.execRows(ctx, tx, q, memberChunk, 8, args)
	if err != nil {
		return 0, 0, db.wrap(err, "add org members")
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, db.wrap(err, "commit org members")
	}
	return int(n), len(ms) - int(n), nil
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

// scanMember reads a row of memberColumns and opens its sealed columns.
func (db *DB) scanMember(r rowScanner) (*healthcode.OrgMember, error) {
	var m healthcode.OrgMember
	var idType string
	var idNumber, name []byte
	var created int64
	if err := r.Scan(&m.ID, &m.OrgID, &m.Unit, &m.PersonKey, &idType, &idNumber, &name, &m.Source, &created); err != nil {
		return nil, db.wrap(err, "read org member")
	}
	m.IDType = idType
	m.CreatedAt = fromMicros(created)
	plain, err := db.box.Open(idNumber)
	if err != nil {
		return nil, err
	}
	m.IDNumber = string(plain)
	if plain, err = db.box.Open(name); err != nil {
		return nil, err
	}
	m.Name = string(plain)
	return &m, nil
}
