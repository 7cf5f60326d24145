package sqlstore

import (
	"context"
	"time"

	"github.com/healthcode/healthcode"
)

// DeclarationWindow is how far back Facts reads declarations without
// findings.
const DeclarationWindow = 14 * 24 * time.Hour

// recordsOf reads every record kind of one person key in one round trip;
// each kind maps its columns onto the same shape
// (kind, id, t1, t2, n, s1, s2, external_id).
const recordsOf = `
SELECT 'test', id, sampled_at, 0, result, lab, '', external_id FROM tests WHERE person_key = $1
UNION ALL SELECT 'vaccination', id, at, 0, dose, product, '', external_id FROM vaccinations WHERE person_key = $1
UNION ALL SELECT 'case', id, diagnosed_at, closed_at, 0, kind, '', external_id FROM cases WHERE person_key = $1
UNION ALL SELECT 'contact', id, exposed_at, cleared_at, 0, kind, '', external_id FROM contacts WHERE person_key = $1
UNION ALL SELECT 'quarantine', id, from_at, until_at, 0, kind, '', external_id FROM quarantines WHERE person_key = $1
UNION ALL SELECT 'travel', id, from_at, to_at, 0, division, '', external_id FROM travel WHERE person_key = $1
UNION ALL SELECT 'drug_purchase', id, at, 0, 0, class, venue_id, external_id FROM drug_purchases WHERE person_key = $1
UNION ALL SELECT 'remote_status', id, at, until_at, colour, region, '', external_id FROM remote_statuses WHERE person_key = $1
ORDER BY 3, 2`

// Facts reads in three round trips: declarations, records, risk areas.
// Records of each kind come oldest first.
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
		if err := db.records(ctx, personKey, &f); err != nil {
			return nil, err
		}
	}
	if f.RiskAreas, err = db.RiskAreas(ctx); err != nil {
		return nil, err
	}
	return &f, nil
}

func (db *DB) records(ctx context.Context, key []byte, f *healthcode.Facts) error {
	rows, err := db.db.QueryContext(ctx, recordsOf, key)
	if err != nil {
		return db.wrap(err, "facts: records")
	}
	defer rows.Close()
	for rows.Next() {
		var kind, s1, s2, ext string
		var id, t1, t2, n int64
		if err := rows.Scan(&kind, &id, &t1, &t2, &n, &s1, &s2, &ext); err != nil {
			return db.wrap(err, "facts: scan record")
		}
		a, b := fromMicros(t1), fromMicros(t2)
		switch kind {
		case "test":
			f.Tests = append(f.Tests, healthcode.Test{ID: id, PersonKey: key, SampledAt: a, Result: healthcode.TestResult(n), Lab: s1, ExternalID: ext})
		case "vaccination":
			f.Vaccinations = append(f.Vaccinations, healthcode.Vaccination{ID: id, PersonKey: key, At: a, Dose: int(n), Product: s1, ExternalID: ext})
		case "case":
			f.Cases = append(f.Cases, healthcode.Case{ID: id, PersonKey: key, Kind: healthcode.CaseKind(s1), DiagnosedAt: a, ClosedAt: b, ExternalID: ext})
		case "contact":
			f.Contacts = append(f.Contacts, healthcode.Contact{ID: id, PersonKey: key, Kind: healthcode.ContactKind(s1), ExposedAt: a, ClearedAt: b, ExternalID: ext})
		case "quarantine":
			f.Quarantines = append(f.Quarantines, healthcode.Quarantine{ID: id, PersonKey: key, Kind: healthcode.QuarantineKind(s1), From: a, Until: b, ExternalID: ext})
		case "travel":
			f.Travel = append(f.Travel, healthcode.Travel{ID: id, PersonKey: key, Division: s1, From: a, To: b, ExternalID: ext})
		case "drug_purchase":
			f.DrugPurchases = append(f.DrugPurchases, healthcode.DrugPurchase{ID: id, PersonKey: key, Class: s1, At: a, VenueID: s2})
		case "remote_status":
			f.RemoteStatuses = append(f.RemoteStatuses, healthcode.RemoteStatus{ID: id, PersonKey: key, Region: s1, Colour: healthcode.Colour(n), At: a, Until: b})
		}
	}
	return db.wrap(rows.Err(), "facts: records")
}
