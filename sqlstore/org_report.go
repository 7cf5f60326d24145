package sqlstore

import (
	"context"
	"time"

	"github.com/healthcode/healthcode"
)

// classMissing is the colour class of a member with no status to show:
// not registered, never declared or never evaluated (0, 1, 2 are the
// colours).
const classMissing = 3

// orgReportQuery counts the members of org $1 (of unit $2 only, unless
// ”) by unit in one pass over the covering index org_members_report:
// the colours, tests sampled at or after $3 (the window before now) and
// the members without a status.
const orgReportQuery = `SELECT unit, count(*),
		sum(CASE WHEN colour_class = 0 THEN 1 ELSE 0 END),
		sum(CASE WHEN colour_class = 1 THEN 1 ELSE 0 END),
		sum(CASE WHEN colour_class = 2 THEN 1 ELSE 0 END),
		sum(CASE WHEN tested_at >= $3 AND tested_at <= $4 THEN 1 ELSE 0 END),
		sum(CASE WHEN colour_class = 3 THEN 1 ELSE 0 END)
	FROM org_members WHERE org_id = $1 AND ($2 = '' OR unit = $2)
	GROUP BY unit ORDER BY unit`

// OrgReportCounts counts orgID's members per unit (only unit's when not
// empty), in unit order, as of now: colours, tested within window,
// missing.
func (db *DB) OrgReportCounts(ctx context.Context, orgID, unit string, now time.Time, window time.Duration) ([]healthcode.UnitReport, error) {
	s, err := db.prepared(ctx, orgReportQuery)
	if err != nil {
		return nil, db.wrap(err, "org report")
	}
	rows, err := s.QueryContext(ctx, orgID, unit, micros(now.Add(-window)), micros(now))
	if err != nil {
		return nil, db.wrap(err, "org report")
	}
	defer rows.Close()
	units := []healthcode.UnitReport{}
	for rows.Next() {
		var u healthcode.UnitReport
		var members, green, yellow, red, tested, missing int64
		if err := rows.Scan(&u.Unit, &members, &green, &yellow, &red, &tested, &missing); err != nil {
			return nil, db.wrap(err, "org report")
		}
		u.Members, u.Green, u.Yellow, u.Red, u.Tested, u.Missing =
			int(members), int(green), int(yellow), int(red), int(tested), int(missing)
		units = append(units, u)
	}
	return units, db.wrap(rows.Err(), "org report")
}
