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
		var s sealedIdentity
		if err := rows.Scan(&s.PersonID, &s.idType, &s.idNumber, &s.name); err != nil {
			return db.wrap(err, "read identities")
		}
		p, err := db.openIdentity(&s)
		if err != nil {
			return err
		}
		out[p.PersonID] = p
	}
	return db.wrap(rows.Err(), "read identities")
}

// sealedIdentity is an identity as a profile row keeps it.
type sealedIdentity struct {
	PersonID       int64
	idType         string
	idNumber, name []byte // sealed
}

// openIdentity opens the sealed document number and name of s.
func (db *DB) openIdentity(s *sealedIdentity) (healthcode.Identity, error) {
	p := healthcode.Identity{PersonID: s.PersonID, IDType: healthcode.IDType(s.idType)}
	plain, err := db.box.Open(s.idNumber)
	if err != nil {
		return p, err
	}
	p.IDNumber = string(plain)
	if plain, err = db.box.Open(s.name); err != nil {
		return p, err
	}
	p.Name = string(plain)
	return p, nil
}
