package sqlstore

import (
	"context"
	"database/sql"

	"github.com/healthcode/healthcode"
)

// A member's row keeps the part of their status a manager may see
// (migration 0021): whoever writes a status writes it to the person's
// memberships in the same transaction — SaveStatus, the bulk recompute's
// writeChunk, and saving a profile, which links or unlinks the members of
// its document. Most people belong to no organisation: the update then
// finds no row in the partial index on person_id.

// memberFacts are the columns of org_members copied from a status.
type memberFacts struct {
	class    int64 // colour, or classMissing
	action   bool
	testedAt sql.NullInt64
	doses    int64
}

// factsOf returns what members show of s; nil (no status) shows nothing.
func factsOf(s *healthcode.Status) memberFacts {
	if s == nil || !s.Declared {
		return memberFacts{class: classMissing}
	}
	f := memberFacts{class: int64(s.Colour), action: s.ActionRequired, doses: int64(s.Doses)}
	if t := s.LatestTest; t != nil && t.Result == healthcode.Negative {
		f.testedAt = nullMicros(t.SampledAt)
	}
	return f
}

// setMemberFacts writes s to every membership of personID.
func (db *DB) setMemberFacts(ctx context.Context, tx execer, personID int64, s *healthcode.Status) error {
	f := factsOf(s)
	_, err := tx.ExecContext(ctx, `UPDATE org_members SET colour_class = $1, action_required = $2, tested_at = $3, doses = $4
		WHERE person_id = $5`, f.class, f.action, f.testedAt, f.doses, personID)
	return db.wrap(err, "update members' statuses")
}

// setMembersFacts writes statuses[i] to the memberships of the person of
// c.Statuses[i], unless unchanged[i], in multi-row updates (the bulk
// recompute's writeChunk), after a look that skips them all when nobody
// registered is on any roster.
func (db *DB) setMembersFacts(ctx context.Context, tx *sql.Tx, c *healthcode.DueChunk, statuses []*healthcode.Status, unchanged []bool) error {
	var members int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM org_members WHERE person_id IS NOT NULL LIMIT 1) x`).Scan(&members)
	if err != nil || members == 0 {
		return db.wrap(err, "members' statuses")
	}
	args := make([]any, 0, len(statuses)*len(memberFactColumns))
	for i, d := range c.Statuses {
		if unchanged[i] {
			continue
		}
		f := factsOf(statuses[i])
		args = append(args, d.PersonID, f.class, f.action, f.testedAt, f.doses)
	}
	q := func(n int) string { return db.queryText("write member facts", n, db.updateMembersQuery) }
	_, _, err = db.execRows(ctx, tx, q, statusWriteRows, len(memberFactColumns), args)
	return db.wrap(err, "update members' statuses")
}

// memberFactColumns are the columns of setMembersFacts's update, the
// person id first, with their types (for PostgreSQL's VALUES list).
var memberFactColumns = []string{"person_id BIGINT", "colour_class SMALLINT", "action_required BOOLEAN",
	"tested_at BIGINT", "doses BIGINT"}

// updateMembersQuery updates the memberships of n people from a VALUES
// list, as updateStatusesQuery does statuses.
func (db *DB) updateMembersQuery(n int) string {
	return db.updateFromValuesQuery("org_members", memberFactColumns, n)
}

// linkMembers points the members of key at personID with the person's
// status, and those that pointed at personID under another key at nobody:
// a profile's document number was set or changed (SaveProfile).
func (db *DB) linkMembers(ctx context.Context, tx *sql.Tx, personID int64, key []byte) error {
	none := factsOf(nil)
	if _, err := tx.ExecContext(ctx, `UPDATE org_members SET person_id = NULL, colour_class = $1, action_required = FALSE,
		tested_at = NULL, doses = 0 WHERE person_id = $2 AND person_key <> $3`, none.class, personID, key); err != nil {
		return db.wrap(err, "unlink members")
	}
	res, err := tx.ExecContext(ctx, `UPDATE org_members SET person_id = $1 WHERE person_key = $2
		AND (person_id IS NULL OR person_id <> $1)`, personID, key)
	if err != nil {
		return db.wrap(err, "link members")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return db.wrap(err, "link members")
	}
	s, err := readStatus(ctx, tx, personID)
	if err != nil {
		return err
	}
	return db.setMemberFacts(ctx, tx, personID, s)
}

// readStatus reads the stored status of personID in tx, nil when none.
func readStatus(ctx context.Context, tx *sql.Tx, personID int64) (*healthcode.Status, error) {
	var raw []byte
	err := tx.QueryRowContext(ctx, `SELECT status FROM statuses WHERE person_id = $1`, personID).Scan(&raw)
	if err == sql.ErrNoRows {
		return nil, nil
	} else if err != nil {
		return nil, healthcode.Internal(err, "read status")
	}
	var s healthcode.Status
	if err := unmarshalStatus(raw, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
