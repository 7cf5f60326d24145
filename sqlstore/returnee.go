package sqlstore

import (
	"context"
	"strconv"
	"time"

	"github.com/healthcode/healthcode"
)

// StaysOutside returns, for each member of orgID (of unit, when not "")
// with a stay outside the divisions starting with prefix that ended in
// [since, until], the last such stay: from travel records and declared
// stays, in one query driven by the roster. A registered member's travel
// is read by person id (the member's row is linked to the person, as each
// record is), an unregistered one's by key among the pending records
// (recordperson.go). Each member's name is opened once. A prefix of ""
// covers every division: nobody is outside.
func (db *DB) StaysOutside(ctx context.Context, orgID, unit, prefix string, since, until time.Time) ([]*healthcode.StayOutside, error) {
	if prefix == "" {
		return []*healthcode.StayOutside{}, nil
	}
	args := []any{orgID, micros(since), micros(until), prefix}
	where := `m.org_id = $1`
	if unit != "" {
		args = append(args, unit)
		where += ` AND m.unit = $5`
	}
	outside := func(col string) string {
		return col + `.to_at >= $2 AND ` + col + `.to_at <= $3 AND substr(` + col + `.division, 1, ` +
			strconv.Itoa(len(prefix)) + `) <> $4`
	}
	rows, err := db.db.QueryContext(ctx, `SELECT m.id, m.unit, m.name, m.person_id, t.division, t.to_at
		FROM org_members m
		JOIN travel t ON t.person_id = m.person_id
		WHERE `+where+` AND m.person_id IS NOT NULL AND `+outside("t")+`
		UNION ALL
		SELECT m.id, m.unit, m.name, m.person_id, t.division, t.to_at
		FROM org_members m
		JOIN travel t ON t.person_key = m.person_key AND t.person_id IS NULL
		WHERE `+where+` AND `+outside("t")+`
		UNION ALL
		SELECT m.id, m.unit, m.name, m.person_id, ds.division, ds.to_at
		FROM org_members m
		JOIN declared_stays ds ON ds.person_id = m.person_id
		WHERE `+where+` AND m.person_id IS NOT NULL AND `+outside("ds"), args...)
	if err != nil {
		return nil, db.wrap(err, "stays outside")
	}
	defer rows.Close()
	type last struct {
		stay   healthcode.StayOutside
		sealed []byte
	}
	byMember := map[int64]*last{}
	var order []int64
	for rows.Next() {
		var l last
		var personID *int64
		var to int64
		if err := rows.Scan(&l.stay.MemberID, &l.stay.Unit, &l.sealed, &personID, &l.stay.Division, &to); err != nil {
			return nil, db.wrap(err, "stays outside")
		}
		if personID != nil {
			l.stay.PersonID = *personID
		}
		l.stay.To = fromMicros(to)
		prev, ok := byMember[l.stay.MemberID]
		switch {
		case !ok:
			order = append(order, l.stay.MemberID)
			byMember[l.stay.MemberID] = &l
		case l.stay.To.After(prev.stay.To):
			byMember[l.stay.MemberID] = &l
		}
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "stays outside")
	}
	stays := make([]*healthcode.StayOutside, 0, len(order))
	for _, id := range order {
		l := byMember[id]
		name, err := db.box.Open(l.sealed)
		if err != nil {
			return nil, err
		}
		l.stay.Name = string(name)
		stays = append(stays, &l.stay)
	}
	return stays, nil
}
