package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/healthcode/healthcode"
)

// FindCodeHolder reads the person's pseudonym, the two profile fields a
// code shows and the stored status in one query: on SQLite each query is a
// read transaction with its own locking, and issuing a code is the hottest
// path of a node.
func (db *DB) FindCodeHolder(ctx context.Context, personID int64) (*healthcode.CodeHolder, error) {
	var h healthcode.CodeHolder
	var name, idNumber []byte
	var idType sql.NullString
	var status sql.Null[[]byte]
	var own, mark sql.NullInt64
	err := db.queryRow(ctx, `SELECT p.subject, pr.id_type, pr.name, pr.id_number, s.status, s.reevaluate_at, d.due_at
		FROM persons p
		LEFT JOIN profiles pr ON pr.person_id = p.id
		LEFT JOIN statuses s ON s.person_id = p.id
		LEFT JOIN status_due d ON d.person_id = p.id
		WHERE p.id = $1`, personID).Scan(&h.Subject, &idType, &name, &idNumber, &status, &own, &mark)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("person")
	} else if err != nil {
		return nil, db.wrap(err, "find code holder")
	}
	if idType.Valid {
		p := &healthcode.Profile{PersonID: personID, IDType: healthcode.IDType(idType.String)}
		for _, f := range []struct {
			dst    *string
			sealed []byte
		}{{&p.Name, name}, {&p.IDNumber, idNumber}} {
			plain, err := db.box.Open(f.sealed)
			if err != nil {
				return nil, err
			}
			*f.dst = string(plain)
		}
		h.Profile = p
	}
	if status.Valid {
		if h.Status, err = decodeStatus(status.V, own, mark); err != nil {
			return nil, err
		}
	}
	return &h, nil
}
