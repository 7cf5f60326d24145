package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// Inserts skip a record whose external id is already stored (the partial
// unique index on external_id), so re-importing a file changes nothing.
// The record kinds of an import share their columns with AddRecords. The
// person id (NULL while nobody registered with the key) always follows the
// person key.
const (
	testColumns        = "person_key, person_id, sampled_at, reported_at, result, method, pooled, lab, external_id, row_hash, recorded_at"
	vaccinationColumns = "person_key, person_id, at, dose, product, external_id, row_hash, recorded_at"
	caseColumns        = "person_key, person_id, diagnosed_at, status, closed_at, kind, external_id, row_hash, recorded_at"
	contactColumns     = "person_key, person_id, exposed_at, cleared_at, kind, case_id, external_id, row_hash, recorded_at"
	quarantineColumns  = "person_key, person_id, from_at, until_at, kind, external_id, row_hash, recorded_at"
	travelColumns      = "person_key, person_id, from_at, to_at, division, external_id, row_hash, recorded_at"

	insertDrugPurchase = `INSERT INTO drug_purchases (person_key, person_id, at, class, venue_id) VALUES ($1, $2, $3, $4, $5)`
	insertRemoteStatus = `INSERT INTO remote_statuses (person_key, person_id, at, until_at, colour, region) VALUES ($1, $2, $3, $4, $5, $6)`
)

var (
	insertTest        = insertRows("tests", testColumns, 1)
	insertVaccination = insertRows("vaccinations", vaccinationColumns, 1)
	insertCase        = insertRows("cases", caseColumns, 1)
	insertContact     = insertRows("contacts", contactColumns, 1)
	insertQuarantine  = insertRows("quarantines", quarantineColumns, 1)
	insertTravel      = insertRows("travel", travelColumns, 1)
)

// insertRows returns an insert of n rows into table that skips each row
// whose external id is stored already.
func insertRows(table, columns string, n int) string {
	return insertRowsWith(table, columns, n, true)
}

// insertRowsWith is insertRows with $n placeholders when numbered, ? when
// not: SQLite binds a long list of ? much faster than of $n, which it
// treats as names.
func insertRowsWith(table, columns string, n int, numbered bool) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + columns + ") VALUES ")
	valuesList(&b, n, strings.Count(columns, ",")+1, 0, numbered)
	b.WriteString(" ON CONFLICT DO NOTHING")
	return b.String()
}

// The args functions append the insert arguments of one record to dst, so
// an import reuses one slice for every row. The person id is left NULL
// for the caller to set (argPersonID) once it has looked the key up.

func testArgs(dst []any, h *rowHasher, r *healthcode.Test, recordedAt int64) []any {
	return append(dst, r.PersonKey, nil, micros(r.SampledAt), micros(r.ReportedAt), int64(r.Result), testMethod(r),
		r.Pooled, r.Lab, r.ExternalID, h.test(r), recordedAt)
}

func vaccinationArgs(dst []any, h *rowHasher, r *healthcode.Vaccination, recordedAt int64) []any {
	return append(dst, r.PersonKey, nil, micros(r.At), int64(r.Dose), r.Product, r.ExternalID, h.vaccination(r), recordedAt)
}

// caseArgs dates the closing of a case that arrives closed at recordedAt
// unless the record says when.
func caseArgs(dst []any, h *rowHasher, r *healthcode.Case, recordedAt int64) []any {
	closed := micros(r.ClosedAt)
	if closed == 0 && caseStatus(r) != string(healthcode.CaseActive) {
		closed = recordedAt
	}
	return append(dst, r.PersonKey, nil, micros(r.DiagnosedAt), caseStatus(r), closed, string(r.Kind), r.ExternalID, h.kase(r), recordedAt)
}

func contactArgs(dst []any, h *rowHasher, r *healthcode.Contact, recordedAt int64) []any {
	return append(dst, r.PersonKey, nil, micros(r.ExposedAt), micros(r.ClearedAt), string(r.Kind), r.CaseID, r.ExternalID, h.contact(r), recordedAt)
}

func quarantineArgs(dst []any, h *rowHasher, r *healthcode.Quarantine, recordedAt int64) []any {
	return append(dst, r.PersonKey, nil, micros(r.From), micros(r.Until), string(r.Kind), r.ExternalID, h.quarantine(r), recordedAt)
}

func travelArgs(dst []any, h *rowHasher, r *healthcode.Travel, recordedAt int64) []any {
	return append(dst, r.PersonKey, nil, micros(r.From), micros(r.To), r.Division, r.ExternalID, h.travel(r), recordedAt)
}

// recordedAt is when a record of a batch was stored: the time it carries,
// or now.
func recordedAt(t time.Time) int64 {
	if t.IsZero() {
		return time.Now().UnixMicro()
	}
	return micros(t)
}

// AddRecords writes the whole batch in one transaction: a bad record leaves
// nothing of the batch behind.
func (db *DB) AddRecords(ctx context.Context, b *healthcode.RecordBatch) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "begin records")
	}
	defer tx.Rollback()
	if db.dialect.Name == "postgres" {
		if err := lockProfiles(ctx, tx); err != nil {
			return db.wrap(err, "add records: lock profiles")
		}
	}
	var h rowHasher
	steps := []struct {
		query string
		n     int
		args  func(i int) []any
	}{
		{insertTest, len(b.Tests), func(i int) []any {
			r := &b.Tests[i]
			return testArgs(nil, &h, r, recordedAt(r.RecordedAt))
		}},
		{insertVaccination, len(b.Vaccinations), func(i int) []any {
			r := &b.Vaccinations[i]
			return vaccinationArgs(nil, &h, r, recordedAt(r.RecordedAt))
		}},
		{insertCase, len(b.Cases), func(i int) []any {
			r := &b.Cases[i]
			return caseArgs(nil, &h, r, recordedAt(r.RecordedAt))
		}},
		{insertContact, len(b.Contacts), func(i int) []any {
			r := &b.Contacts[i]
			return contactArgs(nil, &h, r, recordedAt(r.RecordedAt))
		}},
		{insertQuarantine, len(b.Quarantines), func(i int) []any {
			r := &b.Quarantines[i]
			return quarantineArgs(nil, &h, r, recordedAt(r.RecordedAt))
		}},
		{insertTravel, len(b.Travel), func(i int) []any {
			r := &b.Travel[i]
			return travelArgs(nil, &h, r, recordedAt(r.RecordedAt))
		}},
		{insertDrugPurchase, len(b.DrugPurchases), func(i int) []any {
			r := b.DrugPurchases[i]
			return []any{r.PersonKey, nil, micros(r.At), r.Class, r.VenueID}
		}},
		{insertRemoteStatus, len(b.RemoteStatuses), func(i int) []any {
			r := b.RemoteStatuses[i]
			return []any{r.PersonKey, nil, micros(r.At), micros(r.Until), int64(r.Colour), r.Region}
		}},
	}
	for _, s := range steps {
		if err := db.insertRecords(ctx, tx, s.query, s.n, s.args); err != nil {
			return db.wrap(err, "add records")
		}
	}
	return db.wrap(tx.Commit(), "commit records")
}

// insertRecords inserts n records, each with its person looked up first.
func (db *DB) insertRecords(ctx context.Context, tx *sql.Tx, query string, n int, args func(int) []any) error {
	if n == 0 {
		return nil
	}
	first := args(0)
	ncols := len(first)
	all := make([]any, 0, n*ncols)
	all = append(all, first...)
	for i := 1; i < n; i++ {
		all = append(all, args(i)...)
	}
	if err := db.setPersonIDs(ctx, tx, all, ncols); err != nil {
		return err
	}
	return insertAll(ctx, tx, query, n, func(i int) []any { return all[i*ncols : (i+1)*ncols] })
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
