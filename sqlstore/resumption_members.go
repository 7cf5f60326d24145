package sqlstore

import (
	"context"
	"database/sql"

	"github.com/healthcode/healthcode"
)

// readinessStatus is the part of a stored status (storedStatus's keys)
// that readiness reads: decoding only it skips the reasons' texts, which a
// roster of 100,000 would otherwise allocate for nothing.
type readinessStatus struct {
	LatestTest *storedTest `cbor:"6,keyasint,omitempty"`
	Declared   bool        `cbor:"10,keyasint,omitempty"`
}

// MemberReadiness reads orgID's members (of unit, when not "") with their
// stored status, in one query in member order: a member with no profile
// or no status, or whose status says they never declared, has no code.
// Names are opened only when withNames.
func (db *DB) MemberReadiness(ctx context.Context, orgID, unit string, withNames bool) ([]*healthcode.MemberReadiness, error) {
	cols := `m.id, m.unit, pr.person_id, s.colour, s.action_required, s.status`
	if withNames {
		cols += `, m.name`
	}
	args := []any{orgID}
	where := `m.org_id = $1`
	if unit != "" {
		args = append(args, unit)
		where += ` AND m.unit = $2`
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+cols+` FROM org_members m
		LEFT JOIN profiles pr ON pr.person_key = m.person_key
		LEFT JOIN statuses s ON s.person_id = pr.person_id
		WHERE `+where+` ORDER BY m.id`, args...)
	if err != nil {
		return nil, db.wrap(err, "member readiness")
	}
	defer rows.Close()
	list := []*healthcode.MemberReadiness{}
	for rows.Next() {
		var m healthcode.MemberReadiness
		var personID, colour sql.NullInt64
		var action sql.NullBool
		var raw, name []byte
		dest := []any{&m.MemberID, &m.Unit, &personID, &colour, &action, &raw}
		if withNames {
			dest = append(dest, &name)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, db.wrap(err, "member readiness")
		}
		m.PersonID = personID.Int64
		if colour.Valid {
			m.Colour, m.ActionRequired = healthcode.Colour(colour.Int64), action.Bool
			if err := readReadiness(raw, &m); err != nil {
				return nil, err
			}
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

// readReadiness sets whether m has a code and their latest test from a
// stored status.
func readReadiness(raw []byte, m *healthcode.MemberReadiness) error {
	if len(raw) > 0 && raw[0] == '{' { // a status of before CBOR
		var st healthcode.Status
		if err := unmarshalStatus(raw, &st); err != nil {
			return err
		}
		m.HasCode, m.LatestTest = st.Declared, st.LatestTest
		return nil
	}
	var st readinessStatus
	if err := statusDec.Unmarshal(raw, &st); err != nil {
		return healthcode.Internal(err, "decode status")
	}
	m.HasCode = st.Declared
	if t := st.LatestTest; t != nil {
		m.LatestTest = &healthcode.TestSummary{SampledAt: fromMicros(t.SampledAt), Result: healthcode.TestResult(t.Result)}
	}
	return nil
}

// InOrg reports whether the registered person personID is on orgID's
// roster: a checkpoint at a venue that admits only an employer's staff
// asks it, by the unique (org_id, person_key) index.
func (db *DB) InOrg(ctx context.Context, orgID string, personID int64) (bool, error) {
	var n int64
	err := db.queryRow(ctx, `SELECT count(*) FROM profiles p
		JOIN org_members m ON m.person_key = p.person_key AND m.org_id = $2
		WHERE p.person_id = $1`, personID, orgID).Scan(&n)
	if err != nil {
		return false, db.wrap(err, "org membership")
	}
	return n > 0, nil
}
