package sqlstore

import (
	"context"
	"database/sql"
	"math"
	"strconv"

	"github.com/healthcode/healthcode"
)

// DefaultPurchaseLimit is how many purchases a listing returns when its
// filter sets no limit.
const DefaultPurchaseLimit = 10_000

// DrugPurchases lists the purchases with At in [f.From, f.To) (a zero To
// sets no end) at venues whose division starts with f.Division, oldest
// first, at most f.Limit (0: DefaultPurchaseLimit). Each comes with its
// venue's name and division (empty for a venue this node does not know,
// which a division filter leaves out) and, when the buyer has a profile
// here, the person's id and profile with the name and document number
// opened.
func (db *DB) DrugPurchases(ctx context.Context, f healthcode.PurchaseFilter) ([]*healthcode.DrugPurchaseEntry, error) {
	to := micros(f.To)
	if f.To.IsZero() {
		to = math.MaxInt64
	}
	limit := int64(f.Limit)
	if limit <= 0 {
		limit = DefaultPurchaseLimit
	}
	args := []any{micros(f.From), to, limit}
	filter := ""
	if f.Division != "" {
		args = append(args, f.Division)
		filter = ` AND substr(v.division, 1, ` + strconv.Itoa(len(f.Division)) + `) = $4`
	}
	rows, err := db.db.QueryContext(ctx, `SELECT dp.id, dp.person_key, dp.class, dp.at, dp.venue_id,
			v.name, v.division, pr.person_id, pr.id_type, pr.name, pr.id_number
		FROM drug_purchases dp
		LEFT JOIN venues v ON v.id = dp.venue_id
		LEFT JOIN profiles pr ON pr.person_key = dp.person_key
		WHERE dp.at >= $1 AND dp.at < $2`+filter+`
		ORDER BY dp.at, dp.id LIMIT $3`, args...)
	if err != nil {
		return nil, db.wrap(err, "list drug purchases")
	}
	defer rows.Close()
	list := []*healthcode.DrugPurchaseEntry{}
	for rows.Next() {
		var e healthcode.DrugPurchaseEntry
		var at int64
		var venueName, division, idType sql.NullString
		var personID sql.NullInt64
		var name, idNumber []byte
		if err := rows.Scan(&e.Purchase.ID, &e.Purchase.PersonKey, &e.Purchase.Class, &at, &e.Purchase.VenueID,
			&venueName, &division, &personID, &idType, &name, &idNumber); err != nil {
			return nil, db.wrap(err, "list drug purchases")
		}
		e.Purchase.At = fromMicros(at)
		e.VenueName, e.Division = venueName.String, division.String
		if personID.Valid {
			e.PersonID = personID.Int64
			p := &healthcode.Profile{PersonID: personID.Int64, IDType: healthcode.IDType(idType.String)}
			for _, f := range []struct {
				dst    *string
				sealed []byte
			}{{&p.Name, name}, {&p.IDNumber, idNumber}} {
				plain, err := db.box.Open(f.sealed)
				if err != nil {
					return nil, err
				}
				*f.dst = string(plain)
			}
			e.Profile = p
		}
		list = append(list, &e)
	}
	return list, db.wrap(rows.Err(), "list drug purchases")
}
