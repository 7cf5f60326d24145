package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// The scan log is written by RecordScans in one transaction per batch:
// lock the batch's venues, find the offline scans stored already, decide
// in order which entries a full venue refuses, insert the scans with
// multi-row statements and apply the net change of each person's presence
// with multi-row upserts and deletes. Reads happen only where a decision
// needs them: an offline upload reads its venues and one index range per
// device, and nothing else.

const scanColumns = `id, ` + scanValueColumns

// scanValueColumns are the columns of a scan but its id.
const scanValueColumns = `venue_id, device_id, seq, source, direction, region, subject, person_id, colour, verdict,
	reasons, at, received_at, clock_skew`

// scanChunk is the most scans one insert carries: 14 or 15 parameters a
// row stay below both databases' limits (32,766 and 65,535).
const scanChunk = 512

// presenceChunk is the most presences one upsert or delete carries.
const presenceChunk = 512

// errScanRace reports that an insert skipped a scan that the lookup before
// it did not find: another node stored the same offline scan meanwhile.
// RecordScans then runs the batch again.
var errScanRace = errors.New("offline scan stored concurrently")

// RecordScans stores scans in one transaction that is committed when it
// returns (on SQLite under the process's write lock, like every bulk
// writer). See healthcode.ScanStore. Nothing of scans is changed unless
// the transaction commits.
func (db *DB) RecordScans(ctx context.Context, scans []*healthcode.Scan, now time.Time) ([]bool, error) {
	if len(scans) == 0 {
		return []bool{}, nil
	}
	for attempt := 0; ; attempt++ {
		r, err := db.recordScans(ctx, scans, now)
		if errors.Is(err, errScanRace) && attempt < 2 {
			continue
		} else if err != nil {
			return nil, err
		}
		received := stored(now)
		for i, s := range scans {
			if r.dup[i] {
				continue
			}
			s.ID, s.ReceivedAt = r.ids[i], received
			if r.full[i] {
				s.Verdict, s.Reasons = healthcode.VerdictDeny, []string{healthcode.DenyVenueFull}
			}
		}
		return r.dup, nil
	}
}

// batchVenue is a venue of a batch and, when its capacity is checked, its
// occupancy as the batch goes.
type batchVenue struct {
	capacity int64
	maxStay  int64 // microseconds
	checked  bool
	occupied int64
}

// presenceKey names a person at a venue.
type presenceKey struct {
	venue, region, subject string
}

// presence is a person's state at a venue: inside since enteredAt, or not.
type presence struct {
	inside    bool
	enteredAt int64
}

// scanRecord is the outcome of one batch.
type scanRecord struct {
	dup  []bool
	full []bool // turned into a deny: the venue was full
	ids  []int64
}

type scanRecorder struct {
	db     *DB
	tx     *sql.Tx
	scans  []*healthcode.Scan
	now    int64
	venues map[string]*batchVenue
	scanRecord
	// state is the presence of every person a checked venue's batch
	// touches, as the batch goes; changes the net presence changes in
	// order of first touch.
	state   map[presenceKey]presence
	changes map[presenceKey]presence
	order   []presenceKey
}

func (db *DB) recordScans(ctx context.Context, scans []*healthcode.Scan, now time.Time) (*scanRecord, error) {
	defer db.lockWrites()()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.wrap(err, "begin scans")
	}
	defer tx.Rollback()
	r := &scanRecorder{db: db, tx: tx, scans: scans, now: micros(now),
		scanRecord: scanRecord{dup: make([]bool, len(scans)), full: make([]bool, len(scans)), ids: make([]int64, len(scans))}}
	if err := r.record(ctx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, db.wrap(err, "commit scans")
	}
	return &r.scanRecord, nil
}

func (r *scanRecorder) record(ctx context.Context) error {
	if err := r.lockVenues(ctx); err != nil {
		return err
	}
	if err := r.findDuplicates(ctx); err != nil {
		return err
	}
	if err := r.loadOccupancy(ctx); err != nil {
		return err
	}
	r.decide()
	if err := r.insert(ctx); err != nil {
		return err
	}
	return r.applyPresence(ctx)
}

// lockVenues reads the batch's venues (PostgreSQL: and locks them, in id
// order, so that two nodes never both admit the last place and never
// deadlock); an unknown venue fails the batch.
func (r *scanRecorder) lockVenues(ctx context.Context) error {
	r.venues = make(map[string]*batchVenue, 1)
	var ids []string
	for _, s := range r.scans {
		if _, ok := r.venues[s.VenueID]; !ok {
			r.venues[s.VenueID] = nil
			ids = append(ids, s.VenueID)
		}
	}
	slices.Sort(ids)
	var rows *sql.Rows
	var err error
	if len(ids) == 1 {
		s, err := r.db.txStmt(ctx, r.tx, `SELECT id, capacity, max_stay FROM venues WHERE id = $1`+r.db.dialect.ForUpdate)
		if err != nil {
			return r.db.wrap(err, "read venues")
		}
		rows, err = s.QueryContext(ctx, ids[0])
		if err != nil {
			return r.db.wrap(err, "read venues")
		}
	} else {
		list, err := r.db.textsArg(ids)
		if err != nil {
			return err
		}
		s, err := r.db.txStmt(ctx, r.tx, `SELECT id, capacity, max_stay FROM venues WHERE id `+r.db.inTexts(1)+
			` ORDER BY id`+r.db.dialect.ForUpdate)
		if err != nil {
			return r.db.wrap(err, "read venues")
		}
		rows, err = s.QueryContext(ctx, list)
		if err != nil {
			return r.db.wrap(err, "read venues")
		}
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		v := &batchVenue{}
		if err := rows.Scan(&id, &v.capacity, &v.maxStay); err != nil {
			return r.db.wrap(err, "read venues")
		}
		r.venues[id] = v
	}
	if err = rows.Err(); err != nil {
		return r.db.wrap(err, "read venues")
	}
	for _, id := range ids {
		if r.venues[id] == nil {
			return healthcode.Errorf(healthcode.ENOTFOUND, "venue %q not found", id)
		}
	}
	return nil
}

// deviceSeqs are the sequence numbers of one device in a batch.
type deviceSeqs struct {
	device   int64
	lo, hi   int64
	seqs     []int64
	position map[int64]int // seq → index of its scan in the batch
}

// findDuplicates marks dup the scans with a (DeviceID, Seq) stored
// already or met earlier in the batch. The lookup reads the unique index
// over the range of each device's numbers in the batch: an upload is a
// run of consecutive numbers, so that range holds nothing but the scans
// sent before.
func (r *scanRecorder) findDuplicates(ctx context.Context) error {
	var devices []*deviceSeqs
	byDevice := map[int64]*deviceSeqs{}
	for i, s := range r.scans {
		if s.Seq <= 0 {
			continue
		}
		d := byDevice[s.DeviceID]
		if d == nil {
			d = &deviceSeqs{device: s.DeviceID, lo: s.Seq, hi: s.Seq, position: map[int64]int{}}
			byDevice[s.DeviceID] = d
			devices = append(devices, d)
		}
		if _, seen := d.position[s.Seq]; seen {
			r.dup[i] = true
			continue
		}
		d.position[s.Seq] = i
		d.seqs = append(d.seqs, s.Seq)
		d.lo, d.hi = min(d.lo, s.Seq), max(d.hi, s.Seq)
	}
	for _, d := range devices {
		if err := r.findStored(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// sparseSeqs is how much wider than the count of its numbers a device's
// range may be before the lookup names the numbers instead.
const sparseSeqs = 4

func (r *scanRecorder) findStored(ctx context.Context, d *deviceSeqs) error {
	var rows *sql.Rows
	if d.hi-d.lo+1 <= int64(sparseSeqs*len(d.seqs)+64) {
		s, err := r.db.txStmt(ctx, r.tx, `SELECT seq FROM scans WHERE device_id = $1 AND seq >= $2 AND seq <= $3 AND seq > 0`)
		if err != nil {
			return r.db.wrap(err, "find stored scans")
		}
		if rows, err = s.QueryContext(ctx, d.device, d.lo, d.hi); err != nil {
			return r.db.wrap(err, "find stored scans")
		}
	} else {
		s, err := r.db.txStmt(ctx, r.tx, `SELECT seq FROM scans WHERE device_id = $1 AND seq `+r.db.inIDs(2)+` AND seq > 0`)
		if err != nil {
			return r.db.wrap(err, "find stored scans")
		}
		if rows, err = s.QueryContext(ctx, d.device, r.db.idsArg(intList(d.seqs))); err != nil {
			return r.db.wrap(err, "find stored scans")
		}
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return r.db.wrap(err, "find stored scans")
		}
		if i, ok := d.position[seq]; ok {
			r.dup[i] = true
		}
	}
	return r.db.wrap(rows.Err(), "find stored scans")
}

// checks reports whether s is an entry a full venue refuses: judged now
// (online or check-in), passed, inward, at a venue with a capacity.
func (r *scanRecorder) checks(s *healthcode.Scan) bool {
	return s.Source != healthcode.ScanOffline && s.Verdict == healthcode.VerdictPass &&
		s.Direction == healthcode.DirectionIn && r.venues[s.VenueID].capacity > 0
}

// moves reports whether s changes a presence: a passed entry or exit.
func moves(s *healthcode.Scan) bool {
	return s.Verdict == healthcode.VerdictPass &&
		(s.Direction == healthcode.DirectionIn || s.Direction == healthcode.DirectionOut)
}

// loadOccupancy reads, for the venues where the batch has an entry to
// check, how many people are inside (one query) and whether each person
// the batch moves there is (one query per presenceChunk people).
func (r *scanRecorder) loadOccupancy(ctx context.Context) error {
	var checked []string
	for i, s := range r.scans {
		if v := r.venues[s.VenueID]; !r.dup[i] && !v.checked && r.checks(s) {
			v.checked = true
			checked = append(checked, s.VenueID)
		}
	}
	if len(checked) == 0 {
		return nil
	}
	list, err := r.db.textsArg(checked)
	if err != nil {
		return err
	}
	count, err := r.db.txStmt(ctx, r.tx, `SELECT v.id, (SELECT count(*) FROM venue_presence p
			WHERE p.venue_id = v.id AND p.entered_at > $1 - v.max_stay)
		FROM venues v WHERE v.id `+r.db.inTexts(2))
	if err != nil {
		return r.db.wrap(err, "count occupancy")
	}
	rows, err := count.QueryContext(ctx, r.now, list)
	if err != nil {
		return r.db.wrap(err, "count occupancy")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return r.db.wrap(err, "count occupancy")
		}
		r.venues[id].occupied = n
	}
	if err := rows.Err(); err != nil {
		return r.db.wrap(err, "count occupancy")
	}
	r.state = map[presenceKey]presence{}
	var keys []any
	for i, s := range r.scans {
		if r.dup[i] || !r.venues[s.VenueID].checked || !moves(s) {
			continue
		}
		k := presenceKey{s.VenueID, s.Region, string(s.Subject)}
		if _, ok := r.state[k]; !ok {
			r.state[k] = presence{}
			keys = append(keys, k.venue, k.region, nonNil(s.Subject))
		}
	}
	return r.readPresence(ctx, keys)
}

// readPresence reads the presences of the people keys names, three
// arguments (venue, region, subject) each.
func (r *scanRecorder) readPresence(ctx context.Context, keys []any) error {
	for _, n := range rowChunks(len(keys)/3, presenceChunk) {
		s, err := r.db.txStmt(ctx, r.tx, r.db.presenceKeysQuery("read presence",
			`SELECT venue_id, region, subject, entered_at FROM venue_presence`, n))
		if err != nil {
			return r.db.wrap(err, "read presence")
		}
		rows, err := s.QueryContext(ctx, keys[:3*n]...)
		if err != nil {
			return r.db.wrap(err, "read presence")
		}
		keys = keys[3*n:]
		for rows.Next() {
			var k presenceKey
			var subject []byte
			var at int64
			if err := rows.Scan(&k.venue, &k.region, &subject, &at); err != nil {
				rows.Close()
				return r.db.wrap(err, "read presence")
			}
			k.subject = string(subject)
			r.state[k] = presence{inside: true, enteredAt: at}
		}
		if err := rows.Err(); err != nil {
			return r.db.wrap(err, "read presence")
		}
		rows.Close()
	}
	return nil
}

// presenceKeysQuery is head followed by a condition selecting the
// presences of n people, three parameters (venue, region, subject) each.
func (db *DB) presenceKeysQuery(kind, head string, n int) string {
	return db.queryText(kind, n, func(n int) string {
		var b strings.Builder
		b.WriteString(head)
		b.WriteString(` WHERE (venue_id, region, subject) IN (VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			if db.dialect.Name == "sqlite" {
				b.WriteString("(?, ?, ?)")
				continue
			}
			// PostgreSQL takes the type of a VALUES column from its
			// parameters, which say none.
			fmt.Fprintf(&b, "(CAST($%d AS TEXT), CAST($%d AS TEXT), CAST($%d AS BYTEA))", 3*i+1, 3*i+2, 3*i+3)
		}
		b.WriteByte(')')
		return b.String()
	})
}

// decide goes through the batch in order: a checked entry of someone not
// inside a full venue is refused, and every passed entry or exit moves the
// person's presence, counted at checked venues.
func (r *scanRecorder) decide() {
	r.changes = map[presenceKey]presence{}
	for i, s := range r.scans {
		if r.dup[i] {
			continue
		}
		v := r.venues[s.VenueID]
		k := presenceKey{s.VenueID, s.Region, string(s.Subject)}
		if v.checked && r.checks(s) && !r.fresh(v, r.state[k]) && v.occupied >= v.capacity {
			r.full[i] = true
			continue
		}
		if !moves(s) {
			continue
		}
		next := presence{inside: s.Direction == healthcode.DirectionIn, enteredAt: micros(s.At)}
		if v.checked {
			prev := r.state[k]
			v.occupied += r.counts(v, next) - r.counts(v, prev)
			r.state[k] = next
		}
		if _, ok := r.changes[k]; !ok {
			r.order = append(r.order, k)
		}
		r.changes[k] = next
	}
}

// fresh reports whether p counts towards v's occupancy now: inside, and
// entered less than the maximum stay ago.
func (r *scanRecorder) fresh(v *batchVenue, p presence) bool {
	return p.inside && p.enteredAt > r.now-v.maxStay
}

func (r *scanRecorder) counts(v *batchVenue, p presence) int64 {
	if r.fresh(v, p) {
		return 1
	}
	return 0
}

// insert reserves ids for the scans to store and inserts them.
func (r *scanRecorder) insert(ctx context.Context) error {
	n := 0
	for i := range r.scans {
		if !r.dup[i] {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	ids, err := r.reserveIDs(ctx, n)
	if err != nil {
		return err
	}
	// On SQLite the rows take the ids reserved in order by themselves;
	// naming them would make SQLite keep a statement journal.
	withID := r.db.dialect.Name != "sqlite"
	ncols := 14
	if withID {
		ncols++
	}
	args := make([]any, 0, n*ncols)
	for i, s := range r.scans {
		if r.dup[i] {
			continue
		}
		r.ids[i], ids = ids[0], ids[1:]
		verdict, reasons := s.Verdict, strings.Join(s.Reasons, ",")
		if r.full[i] {
			verdict, reasons = healthcode.VerdictDeny, healthcode.DenyVenueFull
		}
		if withID {
			args = append(args, r.ids[i])
		}
		args = append(args, s.VenueID, s.DeviceID, s.Seq, s.Source, s.Direction, s.Region, nonNil(s.Subject),
			s.PersonID, int64(s.Colour), verdict, reasons, micros(s.At), r.now, s.ClockSkew)
	}
	inserted, last, err := r.db.execRows(ctx, r.tx, r.db.insertScansQuery, scanChunk, ncols, args)
	if err != nil {
		return r.db.wrap(err, "insert scans")
	}
	if inserted != int64(n) {
		return errScanRace
	}
	if !withID {
		// The rows took max(id)+1 one after the other: check the last.
		if id, err := last.LastInsertId(); err != nil || id != r.ids[lastStored(r.dup)] {
			return healthcode.Internal(fmt.Errorf("last scan id %d (%v), reserved %d", id, err, r.ids[lastStored(r.dup)]), "insert scans")
		}
	}
	return nil
}

// lastStored is the index of the last scan not a duplicate.
func lastStored(dup []bool) int {
	for i := len(dup) - 1; i >= 0; i-- {
		if !dup[i] {
			return i
		}
	}
	return -1
}

// insertScansQuery inserts n scans, skipping any whose (device_id, seq)
// is stored (which the lookup before rules out unless another node stored
// it meanwhile). On SQLite, OR IGNORE leaves the statement no constraint
// to abort on, so it keeps no statement journal.
func (db *DB) insertScansQuery(n int) string {
	return db.queryText("insert scans", n, func(n int) string {
		if db.dialect.Name != "sqlite" {
			return insertRowsWith("scans", scanColumns, n, true)
		}
		q := insertRowsWith("scans", scanValueColumns, n, false)
		return "INSERT OR IGNORE" + strings.TrimSuffix(strings.TrimPrefix(q, "INSERT"), " ON CONFLICT DO NOTHING")
	})
}

// reserveIDs returns n new scan ids in increasing order. On SQLite the
// transaction holds the write lock, so they follow the largest id; on
// PostgreSQL they come from the column's sequence, shared by every node.
func (r *scanRecorder) reserveIDs(ctx context.Context, n int) ([]int64, error) {
	ids := make([]int64, n)
	if r.db.dialect.Name == "sqlite" {
		var last int64
		s, err := r.db.txStmt(ctx, r.tx, `SELECT coalesce(max(id), 0) FROM scans`)
		if err == nil {
			err = s.QueryRowContext(ctx).Scan(&last)
		}
		if err != nil {
			return nil, r.db.wrap(err, "reserve scan ids")
		}
		for i := range ids {
			ids[i] = last + int64(i) + 1
		}
		return ids, nil
	}
	s, err := r.db.txStmt(ctx, r.tx, `SELECT nextval(pg_get_serial_sequence('scans', 'id')) FROM generate_series(1, $1)`)
	if err != nil {
		return nil, r.db.wrap(err, "reserve scan ids")
	}
	rows, err := s.QueryContext(ctx, int64(n))
	if err != nil {
		return nil, r.db.wrap(err, "reserve scan ids")
	}
	defer rows.Close()
	ids = ids[:0]
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, r.db.wrap(err, "reserve scan ids")
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, r.db.wrap(err, "reserve scan ids")
	}
	if len(ids) != n {
		return nil, healthcode.Internal(errors.New("short id reservation"), "reserve scan ids")
	}
	slices.Sort(ids)
	return ids, nil
}

// applyPresence writes the net presence changes: who ended the batch
// inside is upserted, who left is deleted, many people a statement.
func (r *scanRecorder) applyPresence(ctx context.Context) error {
	var upserts, leaving []any
	for _, k := range r.order {
		if p := r.changes[k]; p.inside {
			upserts = append(upserts, k.venue, k.region, []byte(k.subject), p.enteredAt)
		} else {
			leaving = append(leaving, k.venue, k.region, []byte(k.subject))
		}
	}
	if len(upserts) > 0 {
		if _, _, err := r.db.execRows(ctx, r.tx, r.db.upsertPresenceQuery, presenceChunk, 4, upserts); err != nil {
			return r.db.wrap(err, "enter presences")
		}
	}
	if len(leaving) > 0 {
		query := func(n int) string {
			return r.db.presenceKeysQuery("delete presence", `DELETE FROM venue_presence`, n)
		}
		if _, _, err := r.db.execRows(ctx, r.tx, query, presenceChunk, 3, leaving); err != nil {
			return r.db.wrap(err, "leave presences")
		}
	}
	return nil
}

func (db *DB) upsertPresenceQuery(n int) string {
	return db.queryText("upsert presence", n, func(n int) string {
		var b strings.Builder
		b.WriteString(`INSERT INTO venue_presence (venue_id, region, subject, entered_at) VALUES `)
		db.valuesList(&b, n, 4, 0)
		b.WriteString(` ON CONFLICT (venue_id, region, subject) DO UPDATE SET entered_at = excluded.entered_at`)
		return b.String()
	})
}

// intList is ids as an SQL list literal for idsArg.
func intList(ids []int64) string {
	b := make([]byte, 0, len(ids)*8)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}
