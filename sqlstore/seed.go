package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
)

// SeedPerson is one person registered in bulk, as if they had signed in,
// saved a profile and declared: what the synthetic city generator and the
// demo node start from.
type SeedPerson struct {
	Phone     string
	Subject   []byte // the code pseudonym; 16 random bytes
	CreatedAt time.Time
	Profile   healthcode.Profile // PersonID is set by SeedPersons
	// Declaration, when set, is stored as the person's first declaration,
	// with its stays findable by division; PersonID and ID are set.
	Declaration *healthcode.Declaration
	// Status, when set, is stored as the person's evaluated status.
	Status *healthcode.Status
}

// SeedPersons registers people in one transaction: all or none. It is the
// fast path of SaveProfile, CreateDeclaration and SaveStatus for many
// people at once: personal fields are sealed on every CPU, rows go in
// multi-row INSERTs through prepared statements. It returns the new person
// ids in the order of people. A phone or document number that is already
// registered fails the whole call with ECONFLICT.
func (db *DB) SeedPersons(ctx context.Context, people []SeedPerson) ([]int64, error) {
	rows, err := db.sealSeeds(people)
	if err != nil {
		return nil, err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.wrap(err, "seed persons")
	}
	defer tx.Rollback()
	// SQLite looks $n parameters up by name with a linear scan, which
	// makes binding a long VALUES list quadratic; "?" is bound by position.
	ins := &bulkInserter{tx: tx, stmts: map[string]*sql.Stmt{}, positional: db.dialect.Name == "sqlite"}
	defer ins.close()

	ids := make([]int64, len(people))
	byHash := make(map[string]int, len(people))
	for i := range rows {
		byHash[string(rows[i].phoneHash)] = i
	}
	err = ins.insert(ctx, `INSERT INTO persons (phone_hash, phone, subject, created_at) VALUES `, 4, len(people),
		func(i int) []any {
			return []any{rows[i].phoneHash, rows[i].phone, nonNil(people[i].Subject), micros(people[i].CreatedAt)}
		}, ` RETURNING id, phone_hash`, func(r *sql.Rows) error {
			var id int64
			var hash []byte
			if err := r.Scan(&id, &hash); err != nil {
				return err
			}
			ids[byHash[string(hash)]] = id
			return nil
		})
	if err != nil {
		return nil, seedError(db, err, "persons")
	}
	err = ins.insert(ctx, `INSERT INTO profiles (person_id, person_key, id_number, name, address, id_type, sex, birth_date,
			nationality, phone, household_division, address_division, conditions, updated_at) VALUES `, 14, len(people),
		func(i int) []any {
			p, r := &people[i].Profile, &rows[i]
			return []any{ids[i], r.personKey, r.idNumber, r.name, r.address, string(p.IDType), p.Sex, p.BirthDate,
				p.Nationality, r.profilePhone, p.HouseholdDivision, p.AddressDivision, r.conditions, micros(p.UpdatedAt)}
		}, "", nil)
	if err != nil {
		return nil, seedError(db, err, "profiles")
	}
	for i := range people {
		people[i].Profile.PersonID = ids[i]
	}
	if err := db.seedDeclarations(ctx, ins, people, rows, ids); err != nil {
		return nil, err
	}
	var withStatus []int
	for i := range people {
		if people[i].Status != nil {
			withStatus = append(withStatus, i)
		}
	}
	err = ins.insert(ctx, `INSERT INTO statuses (person_id, colour, action_required, reevaluate_at, status, evaluated_at) VALUES `, 6, len(withStatus),
		func(k int) []any {
			i := withStatus[k]
			s := people[i].Status
			return []any{ids[i], int64(s.Colour), s.ActionRequired, nullMicros(s.ReevaluateAt), rows[i].status, micros(s.EvaluatedAt)}
		}, "", nil)
	if err != nil {
		return nil, seedError(db, err, "statuses")
	}
	if err := tx.Commit(); err != nil {
		return nil, db.wrap(err, "seed persons: commit")
	}
	return ids, nil
}

func (db *DB) seedDeclarations(ctx context.Context, ins *bulkInserter, people []SeedPerson, rows []sealedSeed, ids []int64) error {
	var with []int
	byPerson := map[int64]int{}
	for i := range people {
		if d := people[i].Declaration; d != nil {
			d.PersonID = ids[i]
			byPerson[ids[i]] = i
			with = append(with, i)
		}
	}
	err := ins.insert(ctx, `INSERT INTO declarations (person_id, temperature, symptoms, fever_medicine, case_contact, places,
			return_to_work, findings, created_at) VALUES `, 9, len(with),
		func(k int) []any {
			i := with[k]
			d := people[i].Declaration
			var temp sql.NullFloat64
			if d.Temperature != nil {
				temp = sql.NullFloat64{Float64: *d.Temperature, Valid: true}
			}
			return []any{ids[i], temp, rows[i].symptoms, d.FeverMedicine, d.CaseContact, rows[i].places,
				d.ReturnToWork, d.Findings, micros(d.CreatedAt)}
		}, ` RETURNING id, person_id`, func(r *sql.Rows) error {
			var id, person int64
			if err := r.Scan(&id, &person); err != nil {
				return err
			}
			people[byPerson[person]].Declaration.ID = id
			return nil
		})
	if err != nil {
		return seedError(db, err, "declarations")
	}
	// The stays, one row each, so a risk area change finds them by division.
	type stay struct {
		i int
		s *healthcode.Stay
	}
	var stays []stay
	for _, i := range with {
		for k := range people[i].Declaration.Places {
			stays = append(stays, stay{i, &people[i].Declaration.Places[k]})
		}
	}
	err = ins.insert(ctx, `INSERT INTO declared_stays (person_id, declaration_id, division, from_at, to_at) VALUES `, 5, len(stays),
		func(k int) []any {
			s := stays[k]
			return []any{ids[s.i], people[s.i].Declaration.ID, s.s.Division, micros(s.s.From), micros(s.s.To)}
		}, "", nil)
	return seedError(db, err, "declared stays")
}

// seedError names what clashed: seeding twice with the same people is the
// usual cause.
func seedError(db *DB, err error, what string) error {
	if err == nil {
		return nil
	}
	if db.dialect.Violation(err) == UniqueViolation {
		return &healthcode.Error{Code: healthcode.ECONFLICT,
			Message: "seed " + what + ": a phone or document number is already registered (seed an empty store, or another seed)", Err: err}
	}
	return db.wrap(err, "seed "+what)
}

// sealedSeed holds what SeedPersons writes of one person, sealed or
// encoded ahead of the transaction.
type sealedSeed struct {
	phoneHash, phone, personKey, idNumber, name, address, profilePhone []byte
	conditions, symptoms, places                                       string
	status                                                             []byte
}

// sealSeeds seals and encodes every person, on every CPU.
func (db *DB) sealSeeds(people []SeedPerson) ([]sealedSeed, error) {
	rows := make([]sealedSeed, len(people))
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(people); i += workers {
				if err := db.sealSeed(&people[i], &rows[i]); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return rows, nil
}

func (db *DB) sealSeed(p *SeedPerson, r *sealedSeed) error {
	var err error
	seal := func(dst *[]byte, s string) {
		if err == nil {
			*dst, err = db.box.Seal([]byte(s))
		}
	}
	r.phoneHash = db.phoneHash(p.Phone)
	r.personKey = db.box.PersonKey(p.Profile.IDNumber)
	seal(&r.phone, p.Phone)
	seal(&r.idNumber, p.Profile.IDNumber)
	seal(&r.name, p.Profile.Name)
	seal(&r.address, p.Profile.Address)
	seal(&r.profilePhone, p.Profile.Phone)
	if err != nil {
		return err
	}
	conditions := p.Profile.Conditions
	if conditions == nil {
		conditions = []string{}
	}
	if r.conditions, err = toJSON(conditions); err != nil {
		return err
	}
	if d := p.Declaration; d != nil {
		symptoms, places := d.Symptoms, d.Places
		if symptoms == nil {
			symptoms = []healthcode.Symptom{}
		}
		if places == nil {
			places = []healthcode.Stay{}
		}
		if r.symptoms, err = toJSON(symptoms); err != nil {
			return err
		}
		if r.places, err = toJSON(places); err != nil {
			return err
		}
	}
	if p.Status != nil {
		if r.status, err = marshalStatus(p.Status); err != nil {
			return err
		}
	}
	return nil
}

// bulkInserter writes rows in multi-row INSERTs within one transaction,
// keeping one prepared statement per statement shape.
type bulkInserter struct {
	tx         *sql.Tx
	stmts      map[string]*sql.Stmt
	positional bool // "?" placeholders instead of "$n"
}

// maxParams bounds the parameters of one statement, well under SQLite's
// 32,766 and PostgreSQL's 65,535; past a few thousand larger statements
// gain nothing.
const maxParams = 4000

// insert runs head + "($1, …), (…)" + tail over n rows of cols values
// each; when scan is set, tail is a RETURNING clause and scan reads each
// returned row.
func (b *bulkInserter) insert(ctx context.Context, head string, cols, n int, args func(i int) []any, tail string, scan func(*sql.Rows) error) error {
	per := maxParams / cols
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		stmt, err := b.stmt(ctx, head, cols, hi-lo, tail)
		if err != nil {
			return err
		}
		flat := make([]any, 0, (hi-lo)*cols)
		for i := lo; i < hi; i++ {
			flat = append(flat, args(i)...)
		}
		if scan == nil {
			if _, err := stmt.ExecContext(ctx, flat...); err != nil {
				return err
			}
			continue
		}
		rows, err := stmt.QueryContext(ctx, flat...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (b *bulkInserter) stmt(ctx context.Context, head string, cols, rows int, tail string) (*sql.Stmt, error) {
	key := fmt.Sprintf("%s|%d|%s", head, rows, tail)
	if s, ok := b.stmts[key]; ok {
		return s, nil
	}
	var q strings.Builder
	q.WriteString(head)
	for r := range rows {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for c := range cols {
			if c > 0 {
				q.WriteString(", ")
			}
			if b.positional {
				q.WriteByte('?')
			} else {
				fmt.Fprintf(&q, "$%d", r*cols+c+1)
			}
		}
		q.WriteByte(')')
	}
	q.WriteString(tail)
	s, err := b.tx.PrepareContext(ctx, q.String())
	if err != nil {
		return nil, err
	}
	b.stmts[key] = s
	return s, nil
}

func (b *bulkInserter) close() {
	for _, s := range b.stmts {
		s.Close()
	}
}
