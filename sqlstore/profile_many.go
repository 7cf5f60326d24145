package sqlstore

import (
	"context"

	"github.com/healthcode/healthcode"
)

// identityBatch bounds the ids of one query of Identities: a trace lists
// up to 100,000 people, and one statement should not hold them all.
const identityBatch = 500

// Identities reads the name and document of each of personIDs that has a
// profile, identityBatch ids a query. Only those two fields are opened:
// a listing shows nothing else of the profile.
func (db *DB) Identities(ctx context.Context, personIDs []int64) (map[int64]healthcode.Identity, error) {
	out := make(map[int64]healthcode.Identity, len(personIDs))
	for len(personIDs) > 0 {
		chunk := personIDs[:min(identityBatch, len(personIDs))]
		personIDs = personIDs[len(chunk):]
		if err := db.identities(ctx, chunk, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) identities(ctx context.Context, ids []int64, out map[int64]healthcode.Identity) error {
	rows, err := db.db.QueryContext(ctx, `SELECT person_id, id_type, id_number, name FROM profiles
		WHERE person_id `+db.inIDs(1), db.idsArg(joinIDs(ids)))
	if err != nil {
		return db.wrap(err, "read identities")
	}
	defer rows.Close()
	for rows.Next() {
		var p healthcode.Identity
		var idType string
		var idNumber, name []byte
		if err := rows.Scan(&p.PersonID, &idType, &idNumber, &name); err != nil {
			return db.wrap(err, "read identities")
		}
		p.IDType = healthcode.IDType(idType)
		plain, err := db.box.Open(idNumber)
		if err != nil {
			return err
		}
		p.IDNumber = string(plain)
		if plain, err = db.box.Open(name); err != nil {
			return err
		}
		p.Name = string(plain)
		out[p.PersonID] = p
	}
	return db.wrap(rows.Err(), "read identities")
}
