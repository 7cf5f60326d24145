package sqlstore

import (
	"context"
	"strings"

	"github.com/healthcode/healthcode"
)

// subjectBatch bounds the subjects of one query of IdentitiesBySubject; a
// batch from the hub names up to 5,000 people.
const subjectBatch = 500

// IdentitiesBySubject reads the document of each person with one of
// subjects who has a profile, subjectBatch subjects a query: a batch from
// another region names people by the pseudonym of their code, and the
// import names them by document.
func (db *DB) IdentitiesBySubject(ctx context.Context, subjects [][]byte) (map[string]healthcode.Identity, error) {
	out := make(map[string]healthcode.Identity, len(subjects))
	args := make([]any, 0, subjectBatch)
	for len(subjects) > 0 {
		chunk := subjects[:min(subjectBatch, len(subjects))]
		subjects = subjects[len(chunk):]
		args = args[:0]
		for _, s := range chunk {
			args = append(args, nonNil(s))
		}
		if err := db.identitiesBySubject(ctx, args, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) identitiesBySubject(ctx context.Context, args []any, out map[string]healthcode.Identity) error {
	q := db.queryText("identities by subject", len(args), func(n int) string {
		var b strings.Builder
		b.WriteString(`SELECT p.subject, f.person_id, f.id_type, f.id_number, f.name
			FROM persons p JOIN profiles f ON f.person_id = p.id WHERE p.subject IN (`)
		paramList(&b, n, 0, db.dialect.Name != "sqlite")
		b.WriteString(`)`)
		return b.String()
	})
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return db.wrap(err, "read identities by subject")
	}
	defer rows.Close()
	for rows.Next() {
		var subject []byte
		var s sealedIdentity
		if err := rows.Scan(&subject, &s.PersonID, &s.idType, &s.idNumber, &s.name); err != nil {
			return db.wrap(err, "read identities by subject")
		}
		p, err := db.openIdentity(&s)
		if err != nil {
			return err
		}
		out[string(subject)] = p
	}
	return db.wrap(rows.Err(), "read identities by subject")
}
