package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/healthcode/healthcode"
)

// The checks read rosters for what their views show: a member's id, unit,
// person key and name (opened, for masking). The document number stays
// sealed: no check view shows it.

const checkMemberColumns = `m.id, m.org_id, m.unit, m.person_key, m.id_type, m.name, m.source, m.created_at`

// CheckRoster lists the members of an organisation's unit ("" every
// unit), names opened, in unit then id order.
func (db *DB) CheckRoster(ctx context.Context, orgID, unit string) ([]*healthcode.OrgMember, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+checkMemberColumns+` FROM org_members m
		WHERE m.org_id = $1 AND ($2 = '' OR m.unit = $2) ORDER BY m.unit, m.id`, orgID, unit)
	if err != nil {
		return nil, db.wrap(err, "check roster")
	}
	list := []*healthcode.OrgMember{}
	err = db.scanCheckMembers(rows, func(m *healthcode.OrgMember) { list = append(list, m) })
	return list, err
}

// CheckRosterByID returns those of ids that are members of the
// organisation, names opened.
func (db *DB) CheckRosterByID(ctx context.Context, orgID string, ids []int64) (map[int64]*healthcode.OrgMember, error) {
	found := make(map[int64]*healthcode.OrgMember, len(ids))
	if len(ids) == 0 {
		return found, nil
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+checkMemberColumns+` FROM org_members m
		WHERE m.org_id = $1 AND m.id `+db.inIDs(2), orgID, db.idsArg(joinIDs(ids)))
	if err != nil {
		return nil, db.wrap(err, "check roster by id")
	}
	err = db.scanCheckMembers(rows, func(m *healthcode.OrgMember) { found[m.ID] = m })
	return found, err
}

// HomeQuarantinedMembers lists the organisation's members with an order
// of home quarantine or home monitoring in force at some time of
// [from, to), one line per order, in unit then member order. A
// registered member's orders are found by person id, an unregistered
// one's by key among the pending records (recordperson.go).
func (db *DB) HomeQuarantinedMembers(ctx context.Context, orgID string, from, to time.Time) ([]*healthcode.QuarantinedMember, error) {
	const inForce = `m.org_id = $1 AND q.kind IN ('home', 'home_monitoring')
			AND q.from_at < $3 AND (q.until_at = 0 OR q.until_at > $2)`
	// ORDER BY 7, 5, 3, 1 is m.unit, m.id, q.from_at, q.id.
	rows, err := db.db.QueryContext(ctx, `SELECT q.id, q.kind, q.from_at, q.until_at, `+checkMemberColumns+`
		FROM org_members m JOIN quarantines q ON q.person_id = m.person_id
		WHERE m.person_id IS NOT NULL AND `+inForce+`
		UNION ALL
		SELECT q.id, q.kind, q.from_at, q.until_at, `+checkMemberColumns+`
		FROM org_members m JOIN quarantines q ON q.person_key = m.person_key AND q.person_id IS NULL
		WHERE `+inForce+`
		ORDER BY 7, 5, 3, 1`, orgID, micros(from), micros(to))
	if err != nil {
		return nil, db.wrap(err, "home quarantined members")
	}
	var list []*healthcode.QuarantinedMember
	var q healthcode.Quarantine
	var kind string
	var qFrom, qUntil int64
	err = db.scanCheckMembers(rows, func(m *healthcode.OrgMember) {
		q.PersonKey, q.Kind, q.From, q.Until = m.PersonKey, healthcode.QuarantineKind(kind), fromMicros(qFrom), fromMicros(qUntil)
		list = append(list, &healthcode.QuarantinedMember{Member: m, Quarantine: q})
	}, &q.ID, &kind, &qFrom, &qUntil)
	return list, err
}

// CheckPersonIDs returns the registered person of each key that has one,
// by string(key).
func (db *DB) CheckPersonIDs(ctx context.Context, keys [][]byte) (map[string]int64, error) {
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.dialect.Name == "postgres"})
	if err != nil {
		return nil, db.wrap(err, "begin person look-up")
	}
	defer tx.Rollback()
	return db.personIDs(ctx, tx, keys)
}

// scanCheckMembers reads rows of checkMemberColumns, after the columns
// of lead when given, and passes each member to add.
func (db *DB) scanCheckMembers(rows *sql.Rows, add func(m *healthcode.OrgMember), lead ...any) error {
	defer rows.Close()
	for rows.Next() {
		m := &healthcode.OrgMember{}
		var name []byte
		var created int64
		dest := append(lead[:len(lead):len(lead)], &m.ID, &m.OrgID, &m.Unit, &m.PersonKey, &m.IDType, &name, &m.Source, &created)
		if err := rows.Scan(dest...); err != nil {
			return db.wrap(err, "scan member")
		}
		plain, err := db.box.Open(name)
		if err != nil {
			return err
		}
		m.Name, m.CreatedAt = string(plain), fromMicros(created)
		add(m)
	}
	return db.wrap(rows.Err(), "read members")
}
