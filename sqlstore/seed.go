package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"strconv"
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

// SeedVenues stores venues in one transaction, as CreateVenue would one
// by one, and sets each one's ID (and CreatedAt, UpdatedAt as stored).
// The ids are those the database hands out next, in the order of venues:
// V000001 onwards in a fresh store.
func (db *DB) SeedVenues(ctx context.Context, venues []*healthcode.Venue) error {
	if len(venues) == 0 {
		return nil
	}
	for _, v := range venues {
		if err := v.Check().Err(); err != nil {
			return err
		}
	}
	defer db.lockWrites()()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "seed venues")
	}
	defer tx.Rollback()
	seqs, err := db.reserveVenueSeqs(ctx, tx, len(venues))
	if err != nil {
		return err
	}
	ins := &bulkInserter{tx: tx, stmts: map[string]*sql.Stmt{}, positional: db.dialect.Name == "sqlite"}
	defer ins.close()
	type row struct {
		policy           string
		created, updated int64
	}
	rows := make([]row, len(venues))
	for i, v := range venues {
		created := stored(v.CreatedAt)
		if created.IsZero() {
			created = stored(time.Now())
		}
		updated := stored(v.UpdatedAt)
		if updated.IsZero() {
			updated = created
		}
		if rows[i].policy, err = toJSON(v.Policy); err != nil {
			return err
		}
		rows[i].created, rows[i].updated = micros(created), micros(updated)
	}
	err = ins.insert(ctx, `INSERT INTO venues (seq, name, kind, division, address, capacity, policy, max_stay, created_at, updated_at) VALUES `,
		10, len(venues), func(i int) []any {
			v := venues[i]
			return []any{seqs[i], v.Name, v.Kind, v.Division, v.Address, int64(v.Capacity), rows[i].policy,
				v.MaxStay.Microseconds(), rows[i].created, rows[i].updated}
		}, "", nil)
	if err != nil {
		return db.wrap(err, "seed venues")
	}
	// The ids are generated from seq: read them back rather than repeat
	// the rule here.
	ids := make(map[int64]string, len(venues))
	r, err := tx.QueryContext(ctx, `SELECT seq, id FROM venues WHERE seq >= $1 AND seq <= $2`, seqs[0], seqs[len(seqs)-1])
	if err != nil {
		return db.wrap(err, "seed venues: read ids")
	}
	defer r.Close()
	for r.Next() {
		var seq int64
		var id string
		if err := r.Scan(&seq, &id); err != nil {
			return db.wrap(err, "seed venues: read ids")
		}
		ids[seq] = id
	}
	if err := r.Err(); err != nil {
		return db.wrap(err, "seed venues: read ids")
	}
	if err := tx.Commit(); err != nil {
		return db.wrap(err, "seed venues: commit")
	}
	for i, v := range venues {
		v.ID, v.CreatedAt, v.UpdatedAt = ids[seqs[i]], fromMicros(rows[i].created), fromMicros(rows[i].updated)
	}
	return nil
}

// reserveVenueSeqs returns n new venue row ids in increasing order: on
// SQLite the ones after the largest (the transaction holds the write
// lock), on PostgreSQL the next values of the column's sequence, which
// CreateVenue draws from too.
func (db *DB) reserveVenueSeqs(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
	seqs := make([]int64, 0, n)
	if db.dialect.Name == "sqlite" {
		var last int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM venues`).Scan(&last); err != nil {
			return nil, db.wrap(err, "seed venues: reserve ids")
		}
		for i := range n {
			seqs = append(seqs, last+int64(i)+1)
		}
		return seqs, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('venues', 'seq')) FROM generate_series(1, $1)`, int64(n))
	if err != nil {
		return nil, db.wrap(err, "seed venues: reserve ids")
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, db.wrap(err, "seed venues: reserve ids")
		}
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "seed venues: reserve ids")
	}
	if len(seqs) != n {
		return nil, healthcode.Internal(fmt.Errorf("%d venue ids for %d venues", len(seqs), n), "seed venues")
	}
	slices.Sort(seqs)
	return seqs, nil
}

// SeedScan is one scan of a synthetic scan log: a code of the seeding
// region that passed an online checkpoint's door.
type SeedScan struct {
	VenueID   string
	Direction string // healthcode.DirectionIn or DirectionOut
	Subject   []byte
	PersonID  int64
	Colour    healthcode.Colour
	At        time.Time
}

// SeedPresence is a person inside a venue: the last passed scan of their
// stay there is an entry.
type SeedPresence struct {
	VenueID   string
	Subject   []byte
	EnteredAt time.Time
}

// seedScanChunk is the most scans one insert of SeedScans carries: six
// parameters each, the other columns are the same for every row.
const seedScanChunk = 512

// SeedScans appends scans to the log in one transaction, as RecordScans
// would have stored them: source online, device 0 (no checkpoint token),
// no offline sequence number, verdict pass, region the issuer of every
// code, received at receivedAt. inside are the presences the scans leave
// (who is still inside a venue), added to venue_presence; SeedScans does
// not work them out, since a batch of scans need not hold a person's whole
// log. No capacity is checked, no venue looked up: the caller seeds the
// venues first.
func (db *DB) SeedScans(ctx context.Context, region string, receivedAt time.Time, scans []SeedScan, inside []SeedPresence) error {
	if len(scans) == 0 && len(inside) == 0 {
		return nil
	}
	defer db.lockWrites()()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err, "seed scans")
	}
	defer tx.Rollback()
	// The columns every row shares are written into the statement: fewer
	// parameters to bind is most of what a scan costs beside its indexes.
	// The region is quoted and the time formatted here, never taken from
	// the caller as SQL.
	shared := ", 0, 0, '" + healthcode.ScanOnline + "', '" + strings.ReplaceAll(region, "'", "''") + "', '" +
		healthcode.VerdictPass + "', '', " + strconv.FormatInt(micros(receivedAt), 10) + ", FALSE)"
	numbered := db.dialect.Name != "sqlite"
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, s := range stmts {
			s.Close()
		}
	}()
	const cols = 6
	args := make([]any, 0, seedScanChunk*cols)
	for lo := 0; lo < len(scans); lo += seedScanChunk {
		hi := min(lo+seedScanChunk, len(scans))
		s := stmts[hi-lo]
		if s == nil {
			var q strings.Builder
			q.WriteString(`INSERT INTO scans (venue_id, direction, subject, person_id, colour, at,
				device_id, seq, source, region, verdict, reasons, received_at, clock_skew) VALUES `)
			for r := range hi - lo {
				if r > 0 {
					q.WriteString(", ")
				}
				q.WriteByte('(')
				paramList(&q, cols, r*cols, numbered)
				q.WriteString(shared)
			}
			if s, err = tx.PrepareContext(ctx, q.String()); err != nil {
				return db.wrap(err, "seed scans")
			}
			stmts[hi-lo] = s
		}
		args = args[:0]
		for i := lo; i < hi; i++ {
			sc := &scans[i]
			args = append(args, sc.VenueID, sc.Direction, nonNil(sc.Subject), sc.PersonID, int64(sc.Colour), micros(sc.At))
		}
		if _, err := s.ExecContext(ctx, args...); err != nil {
			return db.wrap(err, "seed scans")
		}
	}
	if len(inside) > 0 {
		ins := &bulkInserter{tx: tx, stmts: map[string]*sql.Stmt{}, positional: !numbered}
		defer ins.close()
		err := ins.insert(ctx, `INSERT INTO venue_presence (venue_id, region, subject, entered_at) VALUES `, 4, len(inside),
			func(i int) []any {
				p := &inside[i]
				return []any{p.VenueID, region, nonNil(p.Subject), micros(p.EnteredAt)}
			}, "", nil)
		if err != nil {
			return db.wrap(err, "seed presences")
		}
	}
	if err := tx.Commit(); err != nil {
		return db.wrap(err, "seed scans: commit")
	}
	return nil
}

// DeferScanIndexes readies an empty scan log for seeding many scans: it
// drops the log's indexes but the unique ones (by venue and time, by
// person and time), which SeedScans would otherwise update at random
// places for every row, since subjects are random and visits go to
// venues all over, and returns rebuild, which creates them again from
// their stored definitions, one sort each. Call rebuild once the seeding
// ends, whether it succeeded or not: until then reads of the log by venue
// or person scan it whole. A log that holds scans keeps its indexes, and
// rebuild is nil.
func (db *DB) DeferScanIndexes(ctx context.Context) (rebuild func(context.Context) error, err error) {
	var held int
	err = db.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM scans LIMIT 1) t`).Scan(&held)
	if err != nil || held > 0 {
		return nil, db.wrap(err, "defer scan indexes")
	}
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'scans' AND sql IS NOT NULL`
	if db.dialect.Name == "postgres" {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'scans'`
	}
	rows, err := db.db.QueryContext(ctx, q)
	if err != nil {
		return nil, db.wrap(err, "defer scan indexes")
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, db.wrap(err, "defer scan indexes")
		}
		if strings.HasPrefix(strings.ToUpper(def), "CREATE UNIQUE") {
			continue
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "defer scan indexes")
	}
	if len(names) == 0 {
		return nil, nil
	}
	defer db.lockWrites()()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.wrap(err, "defer scan indexes")
	}
	defer tx.Rollback()
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+quoteIdent(name)); err != nil {
			return nil, db.wrap(err, "defer scan indexes")
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, db.wrap(err, "defer scan indexes")
	}
	return func(ctx context.Context) error { return db.buildIndexes(ctx, defs) }, nil
}

// buildIndexes runs the CREATE INDEX statements defs. On SQLite the sorts
// go to temporary files, with a 64 MiB page cache and a helper thread per
// CPU, whatever the connection's settings: sorting millions of keys in
// memory would take as much memory as the index.
func (db *DB) buildIndexes(ctx context.Context, defs []string) error {
	defer db.lockWrites()()
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return db.wrap(err, "build scan indexes")
	}
	defer conn.Close()
	if db.dialect.Name == "sqlite" {
		var cache, temp, threads int64
		for p, v := range map[string]*int64{"cache_size": &cache, "temp_store": &temp, "threads": &threads} {
			if err := conn.QueryRowContext(ctx, `PRAGMA `+p).Scan(v); err != nil {
				return db.wrap(err, "build scan indexes")
			}
		}
		set := func(cache, temp, threads int64) error {
			for _, p := range []string{fmt.Sprintf("cache_size = %d", cache), fmt.Sprintf("temp_store = %d", temp),
				fmt.Sprintf("threads = %d", threads)} {
				if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA `+p); err != nil {
					return err
				}
			}
			return nil
		}
		// temp_store 1 is FILE; threads counts the helpers beside the
		// connection's own.
		if err := set(-65536, 1, int64(min(runtime.GOMAXPROCS(0), 4)-1)); err != nil {
			return db.wrap(err, "build scan indexes")
		}
		defer set(cache, temp, threads)
	}
	for _, def := range defs {
		if _, err := conn.ExecContext(ctx, def); err != nil {
			return db.wrap(err, "build scan indexes")
		}
	}
	return nil
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
