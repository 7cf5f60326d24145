package sqlstore

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// ReplaceRiskAreas swaps the whole list in one transaction, marking due the
// people it touches within the longest look-back a policy may set (30
// days). The node calls ChangeRiskAreas with its policy's look-back.
func (db *DB) ReplaceRiskAreas(ctx context.Context, areas []healthcode.RiskArea) error {
	_, err := db.ChangeRiskAreas(ctx, areas, time.Now(), 30*24*time.Hour)
	return err
}

// ChangeRiskAreas replaces the list and marks due, in the same
// transaction, every person with a travel record or declared stay in a
// division whose entries changed, overlapping a changed entry and ending
// no earlier than lookback before now.
func (db *DB) ChangeRiskAreas(ctx context.Context, areas []healthcode.RiskArea, now time.Time, lookback time.Duration) (int64, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, db.wrap(err, "begin risk areas")
	}
	defer tx.Rollback()
	// Two changes at once must not both compare against the same old list.
	// SQLite's transaction already holds the write lock.
	if db.dialect.Name == "postgres" {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE risk_areas IN EXCLUSIVE MODE`); err != nil {
			return 0, db.wrap(err, "lock risk areas")
		}
	}
	old, err := scanRiskAreas(tx.QueryContext(ctx, `SELECT division, area, level, from_at, until_at FROM risk_areas ORDER BY id`))
	if err != nil {
		return 0, db.wrap(err, "read risk areas")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM risk_areas`); err != nil {
		return 0, db.wrap(err, "clear risk areas")
	}
	err = insertAll(ctx, tx, `INSERT INTO risk_areas (division, area, level, from_at, until_at) VALUES ($1, $2, $3, $4, $5)`,
		len(areas), func(i int) []any {
			a := areas[i]
			return []any{a.Division, a.Area, string(a.Level), micros(a.From), micros(a.Until)}
		})
	if err != nil {
		return 0, db.wrap(err, "replace risk areas")
	}
	var touched int64
	if changes := changedDivisions(old, areas); len(changes) > 0 {
		query, args := touchedByStays(changes, now, lookback)
		if touched, err = markDue(ctx, tx, now, query, args...); err != nil {
			return 0, db.wrap(err, "mark statuses touched by risk areas")
		}
	}
	return touched, db.wrap(tx.Commit(), "commit risk areas")
}

// divisionChange is the time span, from the earliest start to the latest
// end (0: open) of the old and new entries of a division whose entries
// changed.
type divisionChange struct {
	division    string
	from, until int64
}

// changedDivisions compares the entries of each division by level and
// time (the area name within a division does not change anyone's status).
func changedDivisions(old, new []healthcode.RiskArea) []divisionChange {
	type entry struct {
		level       healthcode.RiskLevel
		from, until int64
	}
	group := func(list []healthcode.RiskArea) map[string][]entry {
		m := map[string][]entry{}
		for _, a := range list {
			m[a.Division] = append(m[a.Division], entry{a.Level, micros(a.From), micros(a.Until)})
		}
		for _, es := range m {
			slices.SortFunc(es, func(x, y entry) int {
				if c := strings.Compare(string(x.level), string(y.level)); c != 0 {
					return c
				}
				if x.from != y.from {
					return cmpInt(x.from, y.from)
				}
				return cmpInt(x.until, y.until)
			})
		}
		return m
	}
	before, after := group(old), group(new)
	var changes []divisionChange
	seen := map[string]bool{}
	for _, m := range []map[string][]entry{before, after} {
		for div := range m {
			if seen[div] || slices.Equal(before[div], after[div]) {
				continue
			}
			seen[div] = true
			c := divisionChange{division: div, from: math.MaxInt64}
			for _, e := range append(slices.Clone(before[div]), after[div]...) {
				c.from = min(c.from, e.from)
				if c.until != -1 {
					if e.until == 0 {
						c.until = -1
					} else {
						c.until = max(c.until, e.until)
					}
				}
			}
			if c.until == -1 {
				c.until = 0
			}
			changes = append(changes, c)
		}
	}
	slices.SortFunc(changes, func(x, y divisionChange) int { return strings.Compare(x.division, y.division) })
	return changes
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// touchedByStays builds the one SELECT of everyone touched by changes, its
// parameters from $2 on (markDue's convention); a person matched twice is
// listed once.
func touchedByStays(changes []divisionChange, now time.Time, lookback time.Duration) (string, []any) {
	args := []any{nil} // $1 is markDue's
	var conds []string
	for _, c := range changes {
		lo, hi := divisionRange(c.division)
		since := max(micros(now.Add(-lookback)), c.from)
		until := c.until
		if until == 0 {
			until = math.MaxInt64
		}
		args = append(args, lo, hi, since, until)
		n := len(args)
		// A stay counts from its start to its end (0: still there).
		conds = append(conds, "(x.division >= $"+itoa(n-3)+" AND x.division < $"+itoa(n-2)+
			" AND (x.to_at = 0 OR x.to_at >= $"+itoa(n-1)+") AND x.from_at < $"+itoa(n)+")")
	}
	where := strings.Join(conds, " OR ")
	return `SELECT x.person_id FROM declared_stays x WHERE ` + where + `
		UNION SELECT x.person_id FROM travel x WHERE x.person_id IS NOT NULL AND (` + where + `)`, args[1:]
}

// divisionRange returns the range [lo, hi) of division codes a risk entry
// of division covers, as the status engine matches them: a six-digit code
// ending in 00 pairs covers its sub-divisions.
func divisionRange(division string) (lo, hi string) {
	prefix := division
	if len(prefix) == 6 {
		for len(prefix) > 2 && strings.HasSuffix(prefix, "00") {
			prefix = prefix[:len(prefix)-2]
		}
	}
	if prefix == "" {
		return "", ""
	}
	b := []byte(prefix)
	b[len(b)-1]++
	return prefix, string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }

// RiskAreas returns the list in the order it was given.
func (db *DB) RiskAreas(ctx context.Context) ([]healthcode.RiskArea, error) {
	areas, err := scanRiskAreas(db.db.QueryContext(ctx, `SELECT division, area, level, from_at, until_at FROM risk_areas ORDER BY id`))
	return areas, db.wrap(err, "list risk areas")
}

func scanRiskAreas(rows *sql.Rows, err error) ([]healthcode.RiskArea, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var areas []healthcode.RiskArea
	for rows.Next() {
		var a healthcode.RiskArea
		var level string
		var from, until int64
		if err := rows.Scan(&a.Division, &a.Area, &level, &from, &until); err != nil {
			return nil, err
		}
		a.Level, a.From, a.Until = healthcode.RiskLevel(level), fromMicros(from), fromMicros(until)
		areas = append(areas, a)
	}
	return areas, rows.Err()
}
