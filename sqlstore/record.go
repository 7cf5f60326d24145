package sqlstore

import (
	"context"
	"database/sql"

	"github.com/healthcode/healthcode"
)

// Inserts skip a record whose external id is already stored (the partial
// unique index on external_id), so re-importing a file changes nothing.
const (
	insertTest         = `INSERT INTO tests (person_key, sampled_at, result, lab, external_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`
	insertVaccination  = `INSERT INTO vaccinations (person_key, at, dose, product, external_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`
	insertCase         = `INSERT INTO cases (person_key, diagnosed_at, closed_at, kind, external_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`
	insertContact      = `INSERT INTO contacts (person_key, exposed_at, cleared_at, kind, external_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`
	insertQuarantine   = `INSERT INTO quarantines (person_key, from_at, until_at, kind, external_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`
	insertTravel       = `INSERT INTO travel (person_key, from_at, to_at, division, external_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`
	insertDrugPurchase = `INSERT INTO drug_purchases (person_key, at, class, venue_id) VALUES ($1, $2, $3, $4)`
	insertRemoteStatus = `INSERT INTO remote_statuses (person_key, at, until_at, colour, region) VALUES ($1, $2, $3, $4, $5)`
)

// AddRecords writes the whole batch in one transaction: a bad record leaves
// nothing of the batch behind.
func (db *DB) AddRecords(ctx context.Context, b *healthcode.RecordBatch) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "begin records")
	}
	defer tx.Rollback()
	steps := []struct {
		query string
		n     int
		args  func(i int) []any
	}{
		{insertTest, len(b.Tests), func(i int) []any {
			r := b.Tests[i]
			return []any{r.PersonKey, micros(r.SampledAt), int64(r.Result), r.Lab, r.ExternalID}
		}},
		{insertVaccination, len(b.Vaccinations), func(i int) []any {
			r := b.Vaccinations[i]
			return []any{r.PersonKey, micros(r.At), r.Dose, r.Product, r.ExternalID}
		}},
		{insertCase, len(b.Cases), func(i int) []any {
			r := b.Cases[i]
			return []any{r.PersonKey, micros(r.DiagnosedAt), micros(r.ClosedAt), string(r.Kind), r.ExternalID}
		}},
		{insertContact, len(b.Contacts), func(i int) []any {
			r := b.Contacts[i]
			return []any{r.PersonKey, micros(r.ExposedAt), micros(r.ClearedAt), string(r.Kind), r.ExternalID}
		}},
		{insertQuarantine, len(b.Quarantines), func(i int) []any {
			r := b.Quarantines[i]
			return []any{r.PersonKey, micros(r.From), micros(r.Until), string(r.Kind), r.ExternalID}
		}},
		{insertTravel, len(b.Travel), func(i int) []any {
			r := b.Travel[i]
			return []any{r.PersonKey, micros(r.From), micros(r.To), r.Division, r.ExternalID}
		}},
		{insertDrugPurchase, len(b.DrugPurchases), func(i int) []any {
			r := b.DrugPurchases[i]
			return []any{r.PersonKey, micros(r.At), r.Class, r.VenueID}
		}},
		{insertRemoteStatus, len(b.RemoteStatuses), func(i int) []any {
			r := b.RemoteStatuses[i]
			return []any{r.PersonKey, micros(r.At), micros(r.Until), int64(r.Colour), r.Region}
		}},
	}
	for _, s := range steps {
		if err := insertAll(ctx, tx, s.query, s.n, s.args); err != nil {
			return db.wrap(err, "add records")
		}
	}
	return db.wrap(tx.Commit(), "commit records")
}

func insertAll(ctx context.Context, tx *sql.Tx, query string, n int, args func(int) []any) error {
	if n == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := 0; i < n; i++ {
		if _, err := stmt.ExecContext(ctx, args(i)...); err != nil {
			return err
		}
	}
	return nil
}
