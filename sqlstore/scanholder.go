package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/healthcode/healthcode"
)

// FindScanHolder reads, in one query, the person (by personID, or by
// subject when personID is 0), the colour and action of the stored status
// and whether it is due at now: its own re-evaluation time has come or a
// due mark says so. withStatus also reads and decodes the whole status.
// ENOTFOUND when there is no such person or no stored status.
func (db *DB) FindScanHolder(ctx context.Context, personID int64, subject []byte, withStatus bool, now time.Time) (*healthcode.ScanHolder, error) {
	where, arg := `p.id = $1`, any(personID)
	if personID == 0 {
		where, arg = `p.subject = $1`, any(nonNil(subject))
	}
	h, err := scanHolder(db.queryRow(ctx, scanHolderQuery(withStatus)+where, arg), withStatus, now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("scan holder")
	} else if err != nil {
		return nil, db.wrap(err, "find scan holder")
	}
	return h, nil
}

// scanHolderQuery selects what a ScanHolder is read from, up to WHERE.
func scanHolderQuery(withStatus bool) string {
	cols := `p.id, p.subject, s.colour, s.action_required, s.reevaluate_at, d.due_at`
	if withStatus {
		cols += `, s.status`
	}
	return `SELECT ` + cols + ` FROM persons p
		JOIN statuses s ON s.person_id = p.id
		LEFT JOIN status_due d ON d.person_id = p.id
		WHERE `
}

// scanHolder reads one row of scanHolderQuery, due as of now.
func scanHolder(row rowScanner, withStatus bool, now time.Time) (*healthcode.ScanHolder, error) {
	var h healthcode.ScanHolder
	var colour int64
	var own, mark sql.NullInt64
	var raw []byte
	dest := []any{&h.PersonID, &h.Subject, &colour, &h.ActionRequired, &own, &mark}
	if withStatus {
		dest = append(dest, &raw)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	h.Colour = healthcode.Colour(colour)
	at := micros(now)
	h.Due = own.Valid && own.Int64 <= at || mark.Valid && mark.Int64 <= at
	if withStatus {
		var err error
		if h.Status, err = decodeStatus(raw, own, mark); err != nil {
			return nil, err
		}
	}
	return &h, nil
}
