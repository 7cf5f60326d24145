package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"time"

	"github.com/healthcode/healthcode"
)

// importKind is how one record kind is imported: its table, its insert
// (shared with AddRecords), the update that replaces a corrected row and
// the arguments of both.
type importKind struct {
	table string
	// insert skips a row whose external id is stored already.
	insert string
	// update replaces the row with id = the last argument, taking the
	// same arguments as insert.
	update string
	// reportedAt selects the stored report time, where the kind has one.
	reportedAt string
	args       func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any
}

var importKinds = map[string]*importKind{
	healthcode.KindTests: {
		table: "tests", insert: insertTest, reportedAt: "reported_at",
		update: `UPDATE tests SET person_key = $1, sampled_at = $2, reported_at = $3, result = $4, method = $5,
			pooled = $6, lab = $7, external_id = $8, row_hash = $9, recorded_at = $10 WHERE id = $11`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return testArgs(dst, h, &row.Test, now)
		},
	},
	healthcode.KindVaccinations: {
		table: "vaccinations", insert: insertVaccination, reportedAt: "0",
		update: `UPDATE vaccinations SET person_key = $1, at = $2, dose = $3, product = $4, external_id = $5,
			row_hash = $6, recorded_at = $7 WHERE id = $8`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return vaccinationArgs(dst, h, &row.Vaccination, now)
		},
	},
	healthcode.KindCases: {
		// A case keeps the time it was first reported closed; it reopens
		// when a correction makes it active again.
		table: "cases", insert: insertCase, reportedAt: "0",
		update: `UPDATE cases SET person_key = $1, diagnosed_at = $2, status = $3,
			closed_at = CASE WHEN CAST($4 AS BIGINT) = 0 THEN 0 WHEN closed_at = 0 THEN CAST($4 AS BIGINT) ELSE closed_at END,
			kind = $5, external_id = $6, row_hash = $7, recorded_at = $8 WHERE id = $9`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return caseArgs(dst, h, &row.Case, now)
		},
	},
	healthcode.KindContacts: {
		table: "contacts", insert: insertContact, reportedAt: "0",
		update: `UPDATE contacts SET person_key = $1, exposed_at = $2, cleared_at = $3, kind = $4, case_id = $5,
			external_id = $6, row_hash = $7, recorded_at = $8 WHERE id = $9`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return contactArgs(dst, h, &row.Contact, now)
		},
	},
	healthcode.KindQuarantines: {
		table: "quarantines", insert: insertQuarantine, reportedAt: "0",
		update: `UPDATE quarantines SET person_key = $1, from_at = $2, until_at = $3, kind = $4, external_id = $5,
			row_hash = $6, recorded_at = $7 WHERE id = $8`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return quarantineArgs(dst, h, &row.Quarantine, now)
		},
	},
	healthcode.KindTravel: {
		table: "travel", insert: insertTravel, reportedAt: "0",
		update: `UPDATE travel SET person_key = $1, from_at = $2, to_at = $3, division = $4, external_id = $5,
			row_hash = $6, recorded_at = $7 WHERE id = $8`,
		args: func(dst []any, h *rowHasher, row *healthcode.ImportRow, now int64) []any {
			return travelArgs(dst, h, &row.Travel, now)
		},
	},
}

// Positions in every kind's arguments of the person key and, for tests, the report time.
const (
	argPersonKey  = 0
	argReportedAt = 2 // tests only
)

// ImportRecords stores the rows of src in one transaction. The happy path
// is one prepared insert per row and nothing else; only a row whose id is
// stored already is looked up, to tell a duplicate from a correction. At
// the end, set-based over the rows stamped with this import's time, it
// counts the pending rows and marks due the statuses of the people they
// name. A file error of src rolls everything back.
func (db *DB) ImportRecords(ctx context.Context, src healthcode.ImportSource, now time.Time) (*healthcode.ImportSummary, error) {
	k, ok := importKinds[src.Kind()]
	if !ok {
		return nil, healthcode.Errorf(healthcode.ENOTFOUND, "unknown record kind %q", src.Kind())
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.wrap(err, "begin import")
	}
	defer tx.Rollback()
	imp := &importer{db: db, tx: tx, kind: k, now: micros(now),
		sum: &healthcode.ImportSummary{Kind: src.Kind(), Errors: []healthcode.RowError{}, Corrections: []healthcode.RowNote{}}}
	if imp.insert, err = tx.PrepareContext(ctx, k.insert); err != nil {
		return nil, db.wrap(err, "prepare import")
	}
	defer imp.insert.Close()
	for {
		row, err := src.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if row.Reject != nil {
			imp.sum.Reject(*row.Reject)
			continue
		}
		if err := imp.store(ctx, row); err != nil {
			return nil, err
		}
	}
	if err := imp.finish(ctx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, db.wrap(err, "commit import")
	}
	return imp.sum, nil
}

// importer is the state of one ImportRecords.
type importer struct {
	db     *DB
	tx     *sql.Tx
	kind   *importKind
	now    int64
	sum    *healthcode.ImportSummary
	insert *sql.Stmt
	lookup *sql.Stmt // prepared on the first stored id
	update *sql.Stmt // prepared on the first correction
	hasher rowHasher
	args   []any
	// formerKeys are the people a correction moved a row away from: they
	// are re-evaluated as well.
	formerKeys [][]byte
}

func (imp *importer) store(ctx context.Context, row *healthcode.ImportRow) error {
	imp.args = imp.kind.args(imp.args[:0], &imp.hasher, row, imp.now)
	res, err := imp.insert.ExecContext(ctx, imp.args...)
	if err != nil {
		return imp.db.wrap(err, "import: insert")
	}
	if n, err := res.RowsAffected(); err != nil {
		return imp.db.wrap(err, "import: insert")
	} else if n == 1 {
		imp.sum.Accepted++
		return nil
	}
	return imp.stored(ctx, row)
}

// stored classifies a row whose id the table holds already.
func (imp *importer) stored(ctx context.Context, row *healthcode.ImportRow) error {
	var err error
	if imp.lookup == nil {
		imp.lookup, err = imp.tx.PrepareContext(ctx, fmt.Sprintf(
			`SELECT id, person_key, row_hash, %s FROM %s WHERE external_id = $1`, imp.kind.reportedAt, imp.kind.table))
		if err != nil {
			return imp.db.wrap(err, "import: prepare lookup")
		}
	}
	var id, reportedAt int64
	var key []byte
	var hash string
	if err := imp.lookup.QueryRowContext(ctx, row.ID).Scan(&id, &key, &hash, &reportedAt); err != nil {
		return imp.db.wrap(err, "import: look up stored row")
	}
	rowHash := imp.args[len(imp.args)-2].(string)
	if hash == rowHash {
		imp.sum.Duplicate++
		return nil
	}
	note := "replaces the row stored with this id"
	if imp.kind.table == "tests" {
		newReported := imp.args[argReportedAt].(int64)
		if newReported <= reportedAt {
			imp.sum.Reject(healthcode.RowError{Line: row.Line, ID: row.ID, Field: "reported_at",
				Reason: "a row with this id and a later or equal reported_at is already stored"})
			return nil
		}
		note = "replaces the result reported at " + fromMicros(reportedAt).Format(time.RFC3339)
	}
	if imp.update == nil {
		if imp.update, err = imp.tx.PrepareContext(ctx, imp.kind.update); err != nil {
			return imp.db.wrap(err, "import: prepare update")
		}
	}
	if _, err := imp.update.ExecContext(ctx, append(imp.args, id)...); err != nil {
		return imp.db.wrap(err, "import: correct row")
	}
	if string(key) != string(imp.args[argPersonKey].([]byte)) {
		imp.formerKeys = append(imp.formerKeys, key)
	}
	imp.sum.Corrected++
	imp.sum.Corrections = append(imp.sum.Corrections, healthcode.RowNote{Line: row.Line, ID: row.ID, Note: note})
	return nil
}

// finish counts the pending rows and marks due the statuses the import
// touched, in a few set-based statements over this import's rows.
func (imp *importer) finish(ctx context.Context) error {
	if imp.lookup != nil {
		imp.lookup.Close()
	}
	if imp.update != nil {
		imp.update.Close()
	}
	if imp.sum.Accepted+imp.sum.Corrected == 0 {
		return nil
	}
	t := imp.kind.table
	err := imp.tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t+` r WHERE r.recorded_at = $1
		AND NOT EXISTS (SELECT 1 FROM profiles p WHERE p.person_key = r.person_key)`, imp.now).Scan(&imp.sum.Pending)
	if err != nil {
		return imp.db.wrap(err, "import: count pending")
	}
	_, err = imp.tx.ExecContext(ctx, `UPDATE statuses SET reevaluate_at = $1 WHERE person_id IN (
		SELECT p.person_id FROM profiles p WHERE p.person_key IN (SELECT r.person_key FROM `+t+` r WHERE r.recorded_at = $1))`, imp.now)
	if err != nil {
		return imp.db.wrap(err, "import: mark statuses due")
	}
	for _, key := range imp.formerKeys {
		_, err := imp.tx.ExecContext(ctx, `UPDATE statuses SET reevaluate_at = $1 WHERE person_id IN (
			SELECT person_id FROM profiles WHERE person_key = $2)`, imp.now, key)
		if err != nil {
			return imp.db.wrap(err, "import: mark statuses due")
		}
	}
	return nil
}
