package node_test

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// cityPerson describes one person the seeding helper writes straight into
// the tables, so benchmarks need not go through sign-in a million times.
type cityPerson struct {
	travel   string // division of a travel record ending an hour before now, "" for none
	declared string // division of a declared stay ending an hour before now, "" for none
	prev     *healthcode.Status
}

// seedCity writes n people with ids first..first+n-1, each with a
// profile, a declaration, a negative test, the stays person(i) asks for and
// a stored status (green and not due unless person says otherwise), in
// transactions of 10,000. It returns the person ids.
func seedCity(tb testing.TB, db *sqlstore.DB, first int64, n int, now time.Time, person func(i int) cityPerson) []int64 {
	tb.Helper()
	ctx := context.Background()
	box := storetest.TestBox(tb)
	identity := ""
	if db.Backend() == "postgres" {
		identity = " OVERRIDING SYSTEM VALUE"
	}
	green, _ := json.Marshal(&healthcode.Status{Colour: healthcode.Green, Reasons: []healthcode.Reason{}, Since: now.Add(-48 * time.Hour),
		PolicyVersion: "CN-default-1", EvaluatedAt: now.Add(-48 * time.Hour), Declared: true})
	queries := []string{
		`INSERT INTO persons (id, phone_hash, phone, subject, created_at)` + identity + ` VALUES ($1, $2, $2, $2, $3)`,
		`INSERT INTO profiles (person_id, person_key, id_number, name, address, id_type, sex, birth_date, nationality, phone,
			household_division, address_division, conditions, updated_at) VALUES ($1, $2, $3, $3, $3, 'passport', '', '', 'CHN', $3, '', '', '[]', $4)`,
		`INSERT INTO declarations (id, person_id, temperature, symptoms, fever_medicine, case_contact, places, return_to_work, findings, created_at)` +
			identity + ` VALUES ($1, $1, NULL, '[]', FALSE, 'no', $2, '', FALSE, $3)`,
		`INSERT INTO declared_stays (person_id, declaration_id, division, from_at, to_at) VALUES ($1, $1, $2, $3, $4)`,
		`INSERT INTO travel (person_key, person_id, division, from_at, to_at) VALUES ($1, $2, $3, $4, $5)`,
		`INSERT INTO tests (person_key, person_id, sampled_at, result, lab) VALUES ($1, $2, $3, 0, 'lab')`,
		`INSERT INTO statuses (person_id, colour, action_required, reevaluate_at, status, evaluated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
	}
	ids := make([]int64, 0, n)
	stayFrom, stayTo := now.Add(-3*24*time.Hour).UnixMicro(), now.Add(-time.Hour).UnixMicro()
	for start := 0; start < n; start += 10000 {
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			tb.Fatal(err)
		}
		stmts := make([]*sql.Stmt, len(queries))
		for i, q := range queries {
			if stmts[i], err = tx.PrepareContext(ctx, q); err != nil {
				tb.Fatalf("%s: %v", q, err)
			}
		}
		exec := func(i int, args ...any) {
			if _, err := stmts[i].ExecContext(ctx, args...); err != nil {
				tb.Fatalf("seed: %s: %v", queries[i], err)
			}
		}
		for i := start; i < min(start+10000, n); i++ {
			id := first + int64(i)
			p := person(i)
			var b [8]byte
			binary.BigEndian.PutUint64(b[:], uint64(id))
			key := box.PersonKey(fmt.Sprintf("E%08d", id))
			exec(0, id, b[:], now.UnixMicro())
			exec(1, id, key, b[:], now.UnixMicro())
			places := "[]"
			if p.declared != "" {
				places = fmt.Sprintf(`[{"division":%q,"from":%q,"to":%q}]`, p.declared,
					time.UnixMicro(stayFrom).UTC().Format(time.RFC3339Nano), time.UnixMicro(stayTo).UTC().Format(time.RFC3339Nano))
			}
			exec(2, id, places, now.Add(-2*24*time.Hour).UnixMicro())
			if p.declared != "" {
				exec(3, id, p.declared, stayFrom, stayTo)
			}
			if p.travel != "" {
				exec(4, key, id, p.travel, stayFrom, stayTo)
			}
			exec(5, key, id, now.Add(-50*time.Hour).UnixMicro())
			js, colour, action, due := string(green), int64(0), false, sql.NullInt64{}
			if p.prev != nil {
				raw, _ := json.Marshal(p.prev)
				js, colour, action = string(raw), int64(p.prev.Colour), p.prev.ActionRequired
				if !p.prev.ReevaluateAt.IsZero() {
					due = sql.NullInt64{Int64: p.prev.ReevaluateAt.UnixMicro(), Valid: true}
				}
			}
			// JSON, as written before the store's CBOR: it reads both.
			exec(6, id, colour, action, due, []byte(js), now.Add(-48*time.Hour).UnixMicro())
			ids = append(ids, id)
		}
		for _, s := range stmts {
			s.Close()
		}
		if err := tx.Commit(); err != nil {
			tb.Fatal(err)
		}
	}
	if db.Backend() == "postgres" {
		// Identity columns written with explicit values: move their
		// sequences past them for rows made the ordinary way later.
		for _, t := range []string{"persons", "declarations"} {
			if _, err := db.SQL().ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT max(id) FROM `+t+`))`); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return ids
}
