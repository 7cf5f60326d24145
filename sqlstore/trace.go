package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/healthcode/healthcode"
)

// A trace is one row: its cases and its findings are blobs, each CBOR
// sealed by the store's box, since the cases carry document numbers and
// the findings name them (Exposure.CaseRef) beside people's pseudonyms.
// The findings of an outbreak can hold 100,000 exposures, so they are
// encoded compactly: the strings that repeat (regions, degrees, cases,
// venues, kinds) are written once in a table and named by their index,
// the ends of a span as its length, fields under small integer keys.

type storedCase struct {
	IDType   string `cbor:"1,keyasint,omitempty"`
	IDNumber string `cbor:"2,keyasint,omitempty"`
	From     int64  `cbor:"3,keyasint,omitempty"`
	To       int64  `cbor:"4,keyasint,omitempty"`
}

type storedResult struct {
	// Strings is the table the indexes below name.
	Strings []string `cbor:"1,keyasint,omitempty"`
	// Not omitempty: nil lists come back nil, empty ones empty.
	Visits     []storedVisit    `cbor:"2,keyasint"`
	Exposures  []storedExposure `cbor:"3,keyasint"`
	Unresolved int64            `cbor:"4,keyasint,omitempty"`
	CasesDone  int64            `cbor:"5,keyasint,omitempty"`
}

type storedVisit struct {
	Region    uint32 `cbor:"1,keyasint,omitempty"`
	Subject   []byte `cbor:"2,keyasint,omitempty"`
	PersonID  int64  `cbor:"3,keyasint,omitempty"`
	Venue     uint32 `cbor:"4,keyasint,omitempty"`
	Kind      uint32 `cbor:"5,keyasint,omitempty"`
	From      int64  `cbor:"6,keyasint,omitempty"`
	Length    int64  `cbor:"7,keyasint,omitempty"` // micros(To) - micros(From)
	Estimated bool   `cbor:"8,keyasint,omitempty"`
}

type storedExposure struct {
	Region     uint32  `cbor:"1,keyasint,omitempty"`
	Subject    []byte  `cbor:"2,keyasint,omitempty"`
	PersonID   int64   `cbor:"3,keyasint,omitempty"`
	Degree     uint32  `cbor:"4,keyasint,omitempty"`
	CaseKey    uint32  `cbor:"5,keyasint,omitempty"`
	CaseRef    uint32  `cbor:"6,keyasint,omitempty"`
	Venue      uint32  `cbor:"7,keyasint,omitempty"`
	From       int64   `cbor:"8,keyasint,omitempty"`
	Length     int64   `cbor:"9,keyasint,omitempty"`  // micros(To) - micros(From)
	Overlap    int64   `cbor:"10,keyasint,omitempty"` // nanoseconds
	OverlapMin float64 `cbor:"11,keyasint,omitempty"`
	ExposedAt  int64   `cbor:"12,keyasint,omitempty"` // micros(ExposedAt) - micros(From)
}

// The modes are built once. Floats take the shortest form that keeps
// their value; a decoded list may be as long as CBOR allows, not the
// library's default of 131,072 elements, which an outbreak can pass; a
// text string need not be UTF-8, since a CaseKey holds a subject's bytes.
var traceEnc, traceDec = traceModes()

func traceModes() (cbor.EncMode, cbor.DecMode) {
	enc, err := cbor.EncOptions{NilContainers: cbor.NilContainerAsNull, ShortestFloat: cbor.ShortestFloat16}.EncMode()
	if err != nil {
		panic(err)
	}
	dec, err := cbor.DecOptions{MaxArrayElements: 1<<31 - 1, UTF8: cbor.UTF8DecodeInvalid}.DecMode()
	if err != nil {
		panic(err)
	}
	return enc, dec
}

// stringTable numbers the strings of a result as they are first met.
type stringTable struct {
	index   map[string]uint32
	strings []string
}

func (st *stringTable) of(s string) uint32 {
	if i, ok := st.index[s]; ok {
		return i
	}
	if st.index == nil {
		st.index = map[string]uint32{}
	}
	i := uint32(len(st.strings))
	st.index[s] = i
	st.strings = append(st.strings, s)
	return i
}

// sealTrace encodes and seals t's cases and result.
func (db *DB) sealTrace(t *healthcode.Trace) (cases, result []byte, err error) {
	if cases, err = db.sealCases(t.Cases); err != nil {
		return nil, nil, err
	}
	if result, err = db.sealResult(t); err != nil {
		return nil, nil, err
	}
	return cases, result, nil
}

func (db *DB) sealCases(cases []healthcode.TraceCase) ([]byte, error) {
	var sc []storedCase
	if cases != nil {
		sc = make([]storedCase, len(cases))
		for i, c := range cases {
			sc[i] = storedCase{IDType: string(c.IDType), IDNumber: c.IDNumber, From: micros(c.From), To: micros(c.To)}
		}
	}
	b, err := traceEnc.Marshal(sc)
	if err != nil {
		return nil, healthcode.Internal(err, "encode trace cases")
	}
	return db.box.Seal(b)
}

func (db *DB) sealResult(t *healthcode.Trace) ([]byte, error) {
	var st stringTable
	r := storedResult{Unresolved: int64(t.Unresolved), CasesDone: int64(t.CasesDone)}
	if t.Visits != nil {
		r.Visits = make([]storedVisit, len(t.Visits))
		for i, v := range t.Visits {
			from := micros(v.From)
			r.Visits[i] = storedVisit{Region: st.of(v.Region), Subject: v.Subject, PersonID: v.PersonID,
				Venue: st.of(v.VenueID), Kind: st.of(v.VenueKind), From: from, Length: micros(v.To) - from,
				Estimated: v.Estimated}
		}
	}
	if t.Exposures != nil {
		r.Exposures = make([]storedExposure, len(t.Exposures))
		for i, e := range t.Exposures {
			from := micros(e.From)
			r.Exposures[i] = storedExposure{Region: st.of(e.Region), Subject: e.Subject, PersonID: e.PersonID,
				Degree: st.of(e.Degree), CaseKey: st.of(e.CaseKey), CaseRef: st.of(e.CaseRef), Venue: st.of(e.VenueID),
				From: from, Length: micros(e.To) - from, Overlap: int64(e.Overlap), OverlapMin: e.OverlapMin,
				ExposedAt: micros(e.ExposedAt) - from}
		}
	}
	r.Strings = st.strings
	b, err := traceEnc.Marshal(&r)
	if err != nil {
		return nil, healthcode.Internal(err, "encode trace result")
	}
	return db.box.Seal(b)
}

// openTrace opens and decodes the cases and result blobs into t.
func (db *DB) openTrace(cases, result []byte, t *healthcode.Trace) error {
	plain, err := db.box.Open(cases)
	if err != nil {
		return err
	}
	var sc []storedCase
	if err := traceDec.Unmarshal(plain, &sc); err != nil {
		return healthcode.Internal(err, "decode trace cases")
	}
	if sc != nil {
		t.Cases = make([]healthcode.TraceCase, len(sc))
		for i, c := range sc {
			t.Cases[i] = healthcode.TraceCase{IDType: healthcode.IDType(c.IDType), IDNumber: c.IDNumber,
				From: fromMicros(c.From), To: fromMicros(c.To)}
		}
	}
	if plain, err = db.box.Open(result); err != nil {
		return err
	}
	var r storedResult
	if err := traceDec.Unmarshal(plain, &r); err != nil {
		return healthcode.Internal(err, "decode trace result")
	}
	// s is the string of index i; bad is set when one is out of the table.
	var bad error
	s := func(i uint32) string {
		if int(i) >= len(r.Strings) {
			bad = healthcode.Internal(errors.New("string index out of the table"), "decode trace result")
			return ""
		}
		return r.Strings[i]
	}
	t.Unresolved, t.CasesDone = int(r.Unresolved), int(r.CasesDone)
	if r.Visits != nil {
		t.Visits = make([]healthcode.Visit, len(r.Visits))
		for i, v := range r.Visits {
			t.Visits[i] = healthcode.Visit{
				VisitPerson: healthcode.VisitPerson{Region: s(v.Region), Subject: v.Subject, PersonID: v.PersonID},
				VenueID:     s(v.Venue), VenueKind: s(v.Kind),
				From: fromMicros(v.From), To: fromMicros(v.From + v.Length), Estimated: v.Estimated,
			}
		}
	}
	if r.Exposures != nil {
		t.Exposures = make([]healthcode.Exposure, len(r.Exposures))
		for i, e := range r.Exposures {
			t.Exposures[i] = healthcode.Exposure{
				VisitPerson: healthcode.VisitPerson{Region: s(e.Region), Subject: e.Subject, PersonID: e.PersonID},
				Degree:      s(e.Degree), CaseKey: s(e.CaseKey), CaseRef: s(e.CaseRef), VenueID: s(e.Venue),
				From: fromMicros(e.From), To: fromMicros(e.From + e.Length),
				Overlap: time.Duration(e.Overlap), OverlapMin: e.OverlapMin, ExposedAt: fromMicros(e.From + e.ExposedAt),
			}
		}
	}
	return bad
}

// CreateTrace stores t and sets t.ID. A zero CreatedAt is the current
// time, an empty State JobQueued; the times come back as stored (UTC,
// microseconds). Its heartbeat is its creation.
func (db *DB) CreateTrace(ctx context.Context, t *healthcode.Trace) error {
	if t.State == "" {
		t.State = healthcode.JobQueued
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt, t.FinishedAt, t.AppliedAt = stored(t.CreatedAt), stored(t.FinishedAt), stored(t.AppliedAt)
	cases, result, err := db.sealTrace(t)
	if err != nil {
		return err
	}
	err = db.db.QueryRowContext(ctx, `INSERT INTO traces (state, cases, result, created_at, finished_at, applied_at,
			token_id, error, heartbeat_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $4) RETURNING id`,
		t.State, cases, result, micros(t.CreatedAt), micros(t.FinishedAt), micros(t.AppliedAt), t.TokenID, t.Error).Scan(&t.ID)
	return db.wrap(err, "create trace")
}

// UpdateTrace writes what changes as a trace runs and is applied: its
// state, findings (visits, exposures, unresolved), finished and applied
// times and error, and now as its heartbeat. The cases, token and
// creation time stay as created.
func (db *DB) UpdateTrace(ctx context.Context, t *healthcode.Trace, now time.Time) error {
	result, err := db.sealResult(t)
	if err != nil {
		return err
	}
	t.FinishedAt, t.AppliedAt = stored(t.FinishedAt), stored(t.AppliedAt)
	res, err := db.db.ExecContext(ctx, `UPDATE traces SET state = $2, result = $3, finished_at = $4, applied_at = $5,
			error = $6, heartbeat_at = $7 WHERE id = $1`,
		t.ID, t.State, result, micros(t.FinishedAt), micros(t.AppliedAt), t.Error, micros(now))
	if err != nil {
		return db.wrap(err, "update trace")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("trace")
	}
	return nil
}

// TouchTraces sets the heartbeat of those of ids still queued or running.
func (db *DB) TouchTraces(ctx context.Context, ids []int64, now time.Time) error {
	return db.touch(ctx, "traces", ids, now)
}

// MarkTraceApplied records when a trace was applied, leaving its findings
// as they are (UpdateTrace would seal them all again).
func (db *DB) MarkTraceApplied(ctx context.Context, id int64, at time.Time) error {
	res, err := db.db.ExecContext(ctx, `UPDATE traces SET applied_at = $2 WHERE id = $1`, id, micros(stored(at)))
	if err != nil {
		return db.wrap(err, "mark trace applied")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("trace")
	}
	return nil
}

// FindTrace returns a trace by id with its findings; ENOTFOUND when none.
func (db *DB) FindTrace(ctx context.Context, id int64) (*healthcode.Trace, error) {
	var t healthcode.Trace
	var cases, result []byte
	var created, finished, applied int64
	err := db.queryRow(ctx, `SELECT id, state, cases, result, created_at, finished_at, applied_at, token_id, error
		FROM traces WHERE id = $1`, id).Scan(&t.ID, &t.State, &cases, &result, &created, &finished, &applied,
		&t.TokenID, &t.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("trace")
	} else if err != nil {
		return nil, db.wrap(err, "find trace")
	}
	t.CreatedAt, t.FinishedAt, t.AppliedAt = fromMicros(created), fromMicros(finished), fromMicros(applied)
	if err := db.openTrace(cases, result, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
