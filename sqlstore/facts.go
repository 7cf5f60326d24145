package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// DeclarationWindow is how far back Facts reads declarations without
// findings.
const DeclarationWindow = 14 * 24 * time.Hour

// recordKinds maps the columns of every record table onto one shape,
// (id, t1, t2, t3, n1, n2, s1, s2, external_id, recorded_at), so that one
// UNION ALL reads all of a person's records, or a whole chunk's.
var recordKinds = []struct{ kind, table, cols string }{
	{"test", "tests", "r.id, r.sampled_at, 0, r.reported_at, r.result, CASE WHEN r.pooled THEN 1 ELSE 0 END, r.lab, r.method, r.external_id, r.recorded_at"},
	{"vaccination", "vaccinations", "r.id, r.at, 0, 0, r.dose, 0, r.product, '', r.external_id, r.recorded_at"},
	{"case", "cases", "r.id, r.diagnosed_at, r.closed_at, 0, 0, 0, r.kind, r.status, r.external_id, r.recorded_at"},
	{"contact", "contacts", "r.id, r.exposed_at, r.cleared_at, 0, 0, 0, r.kind, r.case_id, r.external_id, r.recorded_at"},
	{"quarantine", "quarantines", "r.id, r.from_at, r.until_at, 0, 0, 0, r.kind, '', r.external_id, r.recorded_at"},
	{"travel", "travel", "r.id, r.from_at, r.to_at, 0, 0, 0, r.division, '', r.external_id, r.recorded_at"},
	{"drug_purchase", "drug_purchases", "r.id, r.at, 0, 0, 0, 0, r.class, r.venue_id, r.external_id, r.recorded_at"},
	{"remote_status", "remote_statuses", "r.id, r.at, r.until_at, 0, r.colour, 0, r.region, '', r.external_id, r.recorded_at"},
}

// recordsQuery builds the UNION ALL over every record table: each branch
// is "SELECT <lead>'<kind>', <cols> FROM <from> <table> r <where>", ordered
// by order.
func recordsQuery(lead, from, where, order string) string {
	var b strings.Builder
	for i, k := range recordKinds {
		if i > 0 {
			b.WriteString("\nUNION ALL ")
		}
		b.WriteString("SELECT " + lead + "'" + k.kind + "', " + k.cols + " FROM " + from + k.table + " r " + where)
	}
	b.WriteString("\nORDER BY " + order)
	return b.String()
}

// recordsOf reads every record of one person, oldest first: those linked
// to the person's id ($1), and those of the key ($2) that nobody is
// linked to yet, which only a key nobody registered with has
// (recordperson.go).
var recordsOf = recordsQuery("", "", "WHERE r.person_id = $1 OR (r.person_key = $2 AND r.person_id IS NULL)", "3, 2")

// overrideOf reads the person's latest accepted appeal.
const overrideOf = `SELECT id, COALESCE(corrected_colour, 0), decision_reason, decided_at, override_until
	FROM appeals WHERE person_id = $1 AND state = 'accepted' ORDER BY decided_at DESC, id DESC LIMIT 1`

// Facts reads in five round trips: declarations, records, health checks,
// the latest accepted appeal, risk areas. Records of each kind come oldest first.
func (db *DB) Facts(ctx context.Context, personID int64, personKey []byte, now time.Time) (*healthcode.Facts, error) {
	var f healthcode.Facts
	rows, err := db.db.QueryContext(ctx, `SELECT `+declarationColumns+` FROM declarations
		WHERE person_id = $1 AND (created_at >= $2 OR findings OR id = (
			SELECT id FROM declarations WHERE person_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1))
		ORDER BY created_at DESC, id DESC`, personID, micros(now.Add(-DeclarationWindow)))
	if err != nil {
		return nil, db.wrap(err, "facts: declarations")
	}
	if f.Declarations, err = db.scanDeclarations(rows); err != nil {
		return nil, err
	}
	if personKey != nil {
		rows, err := db.db.QueryContext(ctx, recordsOf, personID, personKey)
		if err != nil {
			return nil, db.wrap(err, "facts: records")
		}
		err = scanRecords(rows, nil, func() (*healthcode.Facts, []byte) { return &f, personKey })
		if err != nil {
			return nil, db.wrap(err, "facts: records")
		}
		if f.HealthChecks, err = db.healthChecksFacts(ctx, personKey, now); err != nil {
			return nil, err
		}
	}
	var o healthcode.StatusOverride
	var colour, from, until int64
	err = db.queryRow(ctx, overrideOf, personID).Scan(&o.AppealID, &colour, &o.Reason, &from, &until)
	switch {
	case err == nil:
		o.Colour, o.From, o.Until = healthcode.Colour(colour), fromMicros(from), fromMicros(until)
		f.Override = &o
	case err != sql.ErrNoRows:
		return nil, db.wrap(err, "facts: override")
	}
	if f.RiskAreas, err = db.RiskAreas(ctx); err != nil {
		return nil, err
	}
	return &f, nil
}

// scanRecords appends each row to the Facts that factsOf returns, with the
// person key; lead, when not nil, is scanned from a first column that
// names the person (bulk reads), before factsOf is called.
func scanRecords(rows *sql.Rows, lead any, factsOf func() (*healthcode.Facts, []byte)) error {
	defer rows.Close()
	var kind, s1, s2, ext string
	var id, t1, t2, t3, n1, n2, recorded int64
	dest := []any{&kind, &id, &t1, &t2, &t3, &n1, &n2, &s1, &s2, &ext, &recorded}
	if lead != nil {
		dest = append([]any{lead}, dest...)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		f, key := factsOf()
		if f == nil {
			continue
		}
		a, b, rec := fromMicros(t1), fromMicros(t2), fromMicros(recorded)
		switch kind {
		case "test":
			f.Tests = append(f.Tests, healthcode.Test{ID: id, PersonKey: key, SampledAt: a, ReportedAt: fromMicros(t3),
				Result: healthcode.TestResult(n1), Pooled: n2 != 0, Lab: s1, Method: s2, ExternalID: ext, RecordedAt: rec})
		case "vaccination":
			f.Vaccinations = append(f.Vaccinations, healthcode.Vaccination{ID: id, PersonKey: key, At: a, Dose: int(n1), Product: s1, ExternalID: ext, RecordedAt: rec})
		case "case":
			f.Cases = append(f.Cases, healthcode.Case{ID: id, PersonKey: key, Kind: healthcode.CaseKind(s1), DiagnosedAt: a, ClosedAt: b,
				Status: healthcode.CaseStatus(s2), ExternalID: ext, RecordedAt: rec})
		case "contact":
			f.Contacts = append(f.Contacts, healthcode.Contact{ID: id, PersonKey: key, Kind: healthcode.ContactKind(s1), CaseID: s2, ExposedAt: a, ClearedAt: b, ExternalID: ext, RecordedAt: rec})
		case "quarantine":
			f.Quarantines = append(f.Quarantines, healthcode.Quarantine{ID: id, PersonKey: key, Kind: healthcode.QuarantineKind(s1), From: a, Until: b, ExternalID: ext, RecordedAt: rec})
		case "travel":
			f.Travel = append(f.Travel, healthcode.Travel{ID: id, PersonKey: key, Division: s1, From: a, To: b, ExternalID: ext, RecordedAt: rec})
		case "drug_purchase":
			f.DrugPurchases = append(f.DrugPurchases, healthcode.DrugPurchase{ID: id, PersonKey: key, Class: s1, At: a, VenueID: s2})
		case "remote_status":
			f.RemoteStatuses = append(f.RemoteStatuses, healthcode.RemoteStatus{ID: id, PersonKey: key, Region: s1, Colour: healthcode.Colour(n1), At: a, Until: b})
		}
	}
	return rows.Err()
}
