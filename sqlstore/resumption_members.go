package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/healthcode/healthcode"
)

// MemberReadiness reads orgID's members (of unit, when not "") in member
// order, from their own rows: a member's row carries what a manager may
// see of their status (migration 0021, kept by every status write), so
// neither profiles nor statuses are read. A member whose row shows no
// status (not registered, never declared) has no code. Names are opened
// only when withNames.
func (db *DB) MemberReadiness(ctx context.Context, orgID, unit string, withNames bool) ([]*healthcode.MemberReadiness, error) {
	cols := `id, unit, person_id, colour_class, action_required, tested_at`
	if withNames {
		cols += `, name`
	}
	args := []any{orgID}
	where := `org_id = $1`
	if unit != "" {
		args = append(args, unit)
		where += ` AND unit = $2`
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+cols+` FROM org_members WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, db.wrap(err, "member readiness")
	}
	defer rows.Close()
	list := []*healthcode.MemberReadiness{}
	for rows.Next() {
		var m healthcode.MemberReadiness
		var personID, testedAt sql.NullInt64
		var class int64
		var name []byte
		dest := []any{&m.MemberID, &m.Unit, &personID, &class, &m.ActionRequired, &testedAt}
		if withNames {
			dest = append(dest, &name)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, db.wrap(err, "member readiness")
		}
		m.PersonID = personID.Int64
		if class != classMissing {
			m.HasCode, m.Colour = true, healthcode.Colour(class)
		}
		if testedAt.Valid {
			// tested_at is kept only for a negative latest test.
			m.LatestTest = &healthcode.TestSummary{SampledAt: fromMicros(testedAt.Int64), Result: healthcode.Negative}
		}
		if withNames {
			plain, err := db.box.Open(name)
			if err != nil {
				return nil, err
			}
			m.Name = string(plain)
		}
		list = append(list, &m)
	}
	return list, db.wrap(rows.Err(), "member readiness")
}

// InOrg reports whether the registered person personID is on orgID's
// roster: a checkpoint at a venue that admits only an employer's staff
// asks it, by the index of members on person_id.
func (db *DB) InOrg(ctx context.Context, orgID string, personID int64) (bool, error) {
	var n int64
	err := db.queryRow(ctx, `SELECT count(*) FROM org_members WHERE person_id = $1 AND org_id = $2`, personID, orgID).Scan(&n)
	if err != nil {
		return false, db.wrap(err, "org membership")
	}
	return n > 0, nil
}

// ReadyCounts counts orgID's members and those who may return: a green
// code with no action required and a negative test sampled at or after
// since (healthcode.MayReturn, in SQL over the members' own rows): what
// an application is judged on when nobody reads the list.
func (db *DB) ReadyCounts(ctx context.Context, orgID string, since time.Time) (members, ready int, err error) {
	var n, r sql.NullInt64
	err = db.queryRow(ctx, `SELECT count(*), sum(CASE WHEN colour_class = 0 AND NOT action_required AND tested_at >= $2 THEN 1 ELSE 0 END)
		FROM org_members WHERE org_id = $1`, orgID, micros(since)).Scan(&n, &r)
	if err != nil {
		return 0, 0, db.wrap(err, "ready counts")
	}
	return int(n.Int64), int(r.Int64), nil
}
