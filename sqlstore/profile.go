package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/healthcode/healthcode"
)

// errIDNumberTaken is what a person sees when their document number is
// already on another account.
var errIDNumberTaken = &healthcode.Error{
	Code:    healthcode.ECONFLICT,
	Message: "id_number: already registered to another account",
	Fields:  map[string]string{"id_number": "already registered to another account"},
}

// SaveProfile seals the document number, name, address and phone; only the keyed
// hash of the number (person_key) is stored in a comparable form.
func (db *DB) SaveProfile(ctx context.Context, p *healthcode.Profile) error {
	idNumber, err := db.box.Seal([]byte(p.IDNumber))
	if err != nil {
		return err
	}
	name, err := db.box.Seal([]byte(p.Name))
	if err != nil {
		return err
	}
	address, err := db.box.Seal([]byte(p.Address))
	if err != nil {
		return err
	}
	phone, err := db.box.Seal([]byte(p.Phone))
	if err != nil {
		return err
	}
	conditions := p.Conditions
	if conditions == nil {
		conditions = []string{}
	}
	conds, err := toJSON(conditions)
	if err != nil {
		return err
	}
	// The records of the new key become the person's, those of a former
	// key nobody's, in the same transaction as the key itself.
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "begin save profile")
	}
	defer tx.Rollback()
	key := db.box.PersonKey(p.IDNumber)
	_, err = tx.ExecContext(ctx, `INSERT INTO profiles (person_id, person_key, id_number, name, address,
			id_type, sex, birth_date, nationality, phone, household_division, address_division, conditions, updated_at, linked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (person_id) DO UPDATE SET person_key = excluded.person_key, id_number = excluded.id_number,
			linked_at = CASE WHEN profiles.person_key = excluded.person_key THEN profiles.linked_at ELSE excluded.linked_at END,
			name = excluded.name, address = excluded.address, id_type = excluded.id_type, sex = excluded.sex,
			birth_date = excluded.birth_date, nationality = excluded.nationality, phone = excluded.phone,
			household_division = excluded.household_division, address_division = excluded.address_division,
			conditions = excluded.conditions, updated_at = excluded.updated_at`,
		p.PersonID, key, idNumber, name, address,
		string(p.IDType), p.Sex, p.BirthDate, p.Nationality, phone, p.HouseholdDivision, p.AddressDivision, conds, micros(p.UpdatedAt),
		time.Now().UnixMicro())
	if db.dialect.Violation(err) == UniqueViolation {
		return errIDNumberTaken
	} else if err != nil {
		return db.wrap(err, "save profile")
	}
	if err := db.linkRecords(ctx, tx, p.PersonID, key); err != nil {
		return err
	}
	if err := db.linkMembers(ctx, tx, p.PersonID, key); err != nil {
		return err
	}
	return db.wrap(tx.Commit(), "commit profile")
}

func (db *DB) FindProfile(ctx context.Context, personID int64) (*healthcode.Profile, error) {
	p := healthcode.Profile{PersonID: personID}
	var idNumber, name, address, phone []byte
	var idType, conds string
	var updated int64
	err := db.queryRow(ctx, `SELECT id_number, name, address, id_type, sex, birth_date, nationality,
			phone, household_division, address_division, conditions, updated_at
		FROM profiles WHERE person_id = $1`, personID).
		Scan(&idNumber, &name, &address, &idType, &p.Sex, &p.BirthDate, &p.Nationality,
			&phone, &p.HouseholdDivision, &p.AddressDivision, &conds, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("profile")
	} else if err != nil {
		return nil, db.wrap(err, "find profile")
	}
	p.IDType = healthcode.IDType(idType)
	p.UpdatedAt = fromMicros(updated)
	for _, f := range []struct {
		dst    *string
		sealed []byte
	}{{&p.IDNumber, idNumber}, {&p.Name, name}, {&p.Address, address}, {&p.Phone, phone}} {
		plain, err := db.box.Open(f.sealed)
		if err != nil {
			return nil, err
		}
		*f.dst = string(plain)
	}
	if err := fromJSON(conds, &p.Conditions); err != nil {
		return nil, err
	}
	if len(p.Conditions) == 0 {
		p.Conditions = nil
	}
	return &p, nil
}

func (db *DB) PersonKey(ctx context.Context, personID int64) ([]byte, error) {
	var key []byte
	err := db.queryRow(ctx, `SELECT person_key FROM profiles WHERE person_id = $1`, personID).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("profile")
	}
	return key, db.wrap(err, "find person key")
}
