package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// healthCheckColumns are read by scanHealthCheck, in its order.
const healthCheckColumns = `h.id, h.person_key, h.org_id, h.member_id, h.unit, h.session, h.day, h.checked_at,
	h.temperature, h.symptoms, h.absent, h.absent_reason, h.entered_by, h.entered_by_token`

// SaveHealthChecks stores checks in one transaction, each replacing the
// one of the same organisation, person, session and day. A person whose
// fever at a check came or went (fever of the new check or of the one it
// replaces) has their status marked due, and is returned for the caller
// to evaluate at once.
func (db *DB) SaveHealthChecks(ctx context.Context, checks []*healthcode.HealthCheck, fever func(*healthcode.HealthCheck) bool) ([]int64, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.wrap(err, "begin health checks")
	}
	defer tx.Rollback()
	var changed [][]byte
	var latest time.Time
	for _, c := range checks {
		prev, err := db.healthCheckIn(ctx, tx, c.OrgID, c.PersonKey, c.Session, c.Date)
		if err != nil {
			return nil, err
		}
		var temp sql.NullFloat64
		if c.Temperature != nil {
			temp = sql.NullFloat64{Float64: *c.Temperature, Valid: true}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO health_checks (person_key, org_id, member_id, unit, session, day,
				checked_at, temperature, symptoms, absent, absent_reason, entered_by, entered_by_token)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (org_id, person_key, session, day) DO UPDATE SET member_id = excluded.member_id,
				unit = excluded.unit, checked_at = excluded.checked_at, temperature = excluded.temperature,
				symptoms = excluded.symptoms, absent = excluded.absent, absent_reason = excluded.absent_reason,
				entered_by = excluded.entered_by, entered_by_token = excluded.entered_by_token
			RETURNING id`,
			c.PersonKey, c.OrgID, c.MemberID, c.Unit, c.Session, c.Date, micros(c.CheckedAt), temp,
			joinSymptoms(c.Symptoms), c.Absent, c.AbsentReason, c.EnteredBy, c.EnteredByToken).Scan(&c.ID)
		if err != nil {
			return nil, db.wrap(err, "save health check")
		}
		if fever(c) || (prev != nil && fever(prev)) {
			changed = append(changed, c.PersonKey)
			if c.CheckedAt.After(latest) {
				latest = c.CheckedAt
			}
		}
	}
	var ids []int64
	if len(changed) > 0 {
		found, err := db.personIDs(ctx, tx, changed)
		if err != nil {
			return nil, err
		}
		for _, id := range found {
			ids = append(ids, id)
		}
		if len(ids) > 0 {
			// Marked so that a node which does not evaluate at once (or
			// fails to) still has the recompute take the change.
			if _, err := markDue(ctx, tx, latest, `SELECT person_id FROM statuses WHERE person_id `+db.inIDs(2),
				db.idsArg(joinIDs(ids))); err != nil {
				return nil, db.wrap(err, "mark health checks due")
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, db.wrap(err, "commit health checks")
	}
	return ids, nil
}

// healthCheckIn reads the check a new one would replace; nil when none.
func (db *DB) healthCheckIn(ctx context.Context, tx *sql.Tx, orgID string, key []byte, session, day string) (*healthcode.HealthCheck, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+healthCheckColumns+` FROM health_checks h
		WHERE h.org_id = $1 AND h.person_key = $2 AND h.session = $3 AND h.day = $4`, orgID, key, session, day)
	if err != nil {
		return nil, db.wrap(err, "read health check")
	}
	list, err := db.scanHealthChecks(rows, nil)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// HealthChecksOf lists the checks of the person key entered for orgID
// ("" the person's own check-ins) with CheckedAt at or after since,
// newest first.
func (db *DB) HealthChecksOf(ctx context.Context, personKey []byte, orgID string, since time.Time) ([]*healthcode.HealthCheck, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+healthCheckColumns+` FROM health_checks h
		WHERE h.person_key = $1 AND h.org_id = $2 AND h.checked_at >= $3
		ORDER BY h.checked_at DESC, h.id DESC`, personKey, orgID, micros(since))
	if err != nil {
		return nil, db.wrap(err, "list health checks")
	}
	return db.scanHealthChecks(rows, nil)
}

// OrgChecksOfDay lists an organisation's checks of one session and day.
func (db *DB) OrgChecksOfDay(ctx context.Context, orgID, session, day string) ([]*healthcode.HealthCheck, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+healthCheckColumns+` FROM health_checks h
		WHERE h.org_id = $1 AND h.day = $2 AND h.session = $3 ORDER BY h.id`, orgID, day, session)
	if err != nil {
		return nil, db.wrap(err, "list checks of a day")
	}
	return db.scanHealthChecks(rows, nil)
}

// MemberCheckIns lists the own daily check-ins, of days from to to (both
// included, YYYY-MM-DD), of the members of an organisation.
func (db *DB) MemberCheckIns(ctx context.Context, orgID, from, to string) ([]*healthcode.HealthCheck, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+healthCheckColumns+` FROM health_checks h
		WHERE h.org_id = '' AND h.session = 'daily' AND h.day >= $2 AND h.day <= $3
			AND h.person_key IN (SELECT m.person_key FROM org_members m WHERE m.org_id = $1)
		ORDER BY h.day, h.id`, orgID, from, to)
	if err != nil {
		return nil, db.wrap(err, "list members' check-ins")
	}
	return db.scanHealthChecks(rows, nil)
}

// scanHealthChecks reads rows of healthCheckColumns, after a first
// column into lead when lead is not nil (then each check is passed to
// each instead of listed).
func (db *DB) scanHealthChecks(rows *sql.Rows, each func(c *healthcode.HealthCheck) error, lead ...any) ([]*healthcode.HealthCheck, error) {
	defer rows.Close()
	var list []*healthcode.HealthCheck
	for rows.Next() {
		c := &healthcode.HealthCheck{}
		var checkedAt int64
		var temp sql.NullFloat64
		var symptoms string
		dest := append(lead[:len(lead):len(lead)], &c.ID, &c.PersonKey, &c.OrgID, &c.MemberID, &c.Unit, &c.Session, &c.Date, &checkedAt,
			&temp, &symptoms, &c.Absent, &c.AbsentReason, &c.EnteredBy, &c.EnteredByToken)
		if err := rows.Scan(dest...); err != nil {
			return nil, db.wrap(err, "scan health check")
		}
		c.CheckedAt = fromMicros(checkedAt)
		if temp.Valid {
			c.Temperature = &temp.Float64
		}
		c.Symptoms = splitSymptoms(symptoms)
		if each != nil {
			if err := each(c); err != nil {
				return nil, err
			}
			continue
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "read health checks")
	}
	return list, nil
}

func joinSymptoms(list []healthcode.Symptom) string {
	s := make([]string, len(list))
	for i, v := range list {
		s[i] = string(v)
	}
	return strings.Join(s, ",")
}

func splitSymptoms(s string) []healthcode.Symptom {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	list := make([]healthcode.Symptom, len(parts))
	for i, p := range parts {
		list[i] = healthcode.Symptom(p)
	}
	return list
}
