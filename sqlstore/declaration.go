package sqlstore

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/healthcode/healthcode"
)

const declarationColumns = `id, person_id, temperature, symptoms, fever_medicine, case_contact, places, return_to_work, findings, created_at`

// CreateDeclaration stores d and sets d.ID; ENOTFOUND when the person does
// not exist.
func (db *DB) CreateDeclaration(ctx context.Context, d *healthcode.Declaration) error {
	symptoms := d.Symptoms
	if symptoms == nil {
		symptoms = []healthcode.Symptom{}
	}
	places := d.Places
	if places == nil {
		places = []healthcode.Stay{}
	}
	symptomsJSON, err := toJSON(symptoms)
	if err != nil {
		return err
	}
	placesJSON, err := toJSON(places)
	if err != nil {
		return err
	}
	var temp sql.NullFloat64
	if d.Temperature != nil {
		temp = sql.NullFloat64{Float64: *d.Temperature, Valid: true}
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "begin declaration")
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `INSERT INTO declarations (person_id, temperature, symptoms, fever_medicine,
			case_contact, places, return_to_work, findings, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		d.PersonID, temp, symptomsJSON, d.FeverMedicine, d.CaseContact, placesJSON, d.ReturnToWork, d.Findings, micros(d.CreatedAt)).Scan(&d.ID)
	if err != nil {
		return db.wrap(err, "create declaration")
	}
	// One row per stay, so a risk area change finds the people it touches
	// by division.
	err = insertAll(ctx, tx, `INSERT INTO declared_stays (person_id, declaration_id, division, from_at, to_at) VALUES ($1, $2, $3, $4, $5)`,
		len(places), func(i int) []any {
			return []any{d.PersonID, d.ID, places[i].Division, micros(places[i].From), micros(places[i].To)}
		})
	if err != nil {
		return db.wrap(err, "create declared stays")
	}
	return db.wrap(tx.Commit(), "commit declaration")
}

// ListDeclarations returns up to limit declarations, newest first; limit
// <= 0 means all.
func (db *DB) ListDeclarations(ctx context.Context, personID int64, limit int) ([]*healthcode.Declaration, error) {
	q := `SELECT ` + declarationColumns + ` FROM declarations WHERE person_id = $1 ORDER BY created_at DESC, id DESC`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := db.db.QueryContext(ctx, q, personID)
	if err != nil {
		return nil, db.wrap(err, "list declarations")
	}
	ds, err := db.scanDeclarations(rows)
	if err != nil {
		return nil, err
	}
	out := make([]*healthcode.Declaration, len(ds))
	for i := range ds {
		out[i] = &ds[i]
	}
	return out, nil
}

// scanDeclarations reads declaration rows; the JSON columns are decoded
// on every core once the rows are read (a recompute chunk has thousands).
func (db *DB) scanDeclarations(rows *sql.Rows) ([]healthcode.Declaration, error) {
	defer rows.Close()
	var ds []healthcode.Declaration
	var raw []string // symptoms and places of each row
	for rows.Next() {
		var d healthcode.Declaration
		var temp sql.NullFloat64
		var symptoms, places string
		var created int64
		if err := rows.Scan(&d.ID, &d.PersonID, &temp, &symptoms, &d.FeverMedicine, &d.CaseContact, &places,
			&d.ReturnToWork, &d.Findings, &created); err != nil {
			return nil, db.wrap(err, "scan declaration")
		}
		if temp.Valid {
			d.Temperature = &temp.Float64
		}
		d.CreatedAt = fromMicros(created)
		ds = append(ds, d)
		raw = append(raw, symptoms, places)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "scan declarations")
	}
	err := parallel(len(ds), func(i int) error {
		d := &ds[i]
		if raw[2*i] != "[]" {
			if err := fromJSON(raw[2*i], &d.Symptoms); err != nil {
				return err
			}
		}
		if raw[2*i+1] != "[]" {
			if err := fromJSON(raw[2*i+1], &d.Places); err != nil {
				return err
			}
		}
		if len(d.Symptoms) == 0 {
			d.Symptoms = nil
		}
		if len(d.Places) == 0 {
			d.Places = nil
		}
		for i := range d.Places {
			d.Places[i].From, d.Places[i].To = stored(d.Places[i].From), stored(d.Places[i].To)
		}
		return nil
	})
	return ds, err
}
