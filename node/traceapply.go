package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/healthcode/healthcode"
)

// TraceApplyStore is what applying a trace writes through.
type TraceApplyStore interface {
	TraceStore
	ImportRecords(ctx context.Context, src healthcode.ImportSource, now time.Time) (*healthcode.ImportSummary, error)
	MarkTraceApplied(ctx context.Context, id int64, at time.Time) error
}

// Apply turns a trace's findings into contacts records through the same
// path as an imported file: one row per exposed person of this region,
// with an id made of the trace's and the person's, so applying twice
// stores nothing new (the rows are duplicates). The people are marked due
// by the import; recompute, when set, then evaluates them at once.
// Visitors, people of other regions, are their region's to record: their
// rows are queued in the outbox for it, in the same transaction, named by
// the subject their code carried (the summary's Forwarded). Without a
// Region of its own, the service cannot tell visitors and skips them.
func (s *TraceService) Apply(ctx context.Context, store TraceApplyStore, recompute *Recompute, id int64) (*healthcode.ImportSummary, error) {
	t, err := store.FindTrace(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.State != healthcode.JobDone {
		return nil, healthcode.Errorf(healthcode.ECONFLICT, "trace %d is %s: only a finished trace can be applied", id, t.State)
	}
	var ids []int64
	for _, e := range t.Exposures {
		if e.PersonID != 0 {
			ids = append(ids, e.PersonID)
		}
	}
	keys, err := store.PersonKeys(ctx, ids)
	if err != nil {
		return nil, err
	}
	src := &contactRows{trace: t, keys: keys, region: s.Region}
	now := s.Now()
	sum, err := store.ImportRecords(ctx, src, now)
	if err != nil {
		return nil, err
	}
	if err := store.MarkTraceApplied(ctx, id, now); err != nil {
		return nil, err
	}
	if recompute != nil && sum.Accepted+sum.Corrected > 0 {
		if _, err := recompute.Run(ctx, "trace "+strconv.FormatInt(id, 10)+" applied", nil); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// contactRows is the import source of a trace's contacts.
type contactRows struct {
	trace  *healthcode.Trace
	keys   map[int64][]byte
	region string // this node's
	next   int
	row    healthcode.ImportRow
}

func (c *contactRows) Kind() string { return healthcode.KindContacts }

func (c *contactRows) Next() (*healthcode.ImportRow, error) {
	for c.next < len(c.trace.Exposures) {
		e := &c.trace.Exposures[c.next]
		c.next++
		if c.visitor(e) {
			c.row = healthcode.ImportRow{Line: int64(c.next), ID: visitorContactID(c.trace.ID, e), Forward: c.forward(e)}
			return &c.row, nil
		}
		key := c.keys[e.PersonID]
		if e.PersonID == 0 || key == nil {
			continue
		}
		id := "trace-" + strconv.FormatInt(c.trace.ID, 10) + "-" + strconv.FormatInt(e.PersonID, 10)
		c.row = healthcode.ImportRow{Line: int64(c.next), ID: id, Contact: healthcode.Contact{
			PersonKey:  key,
			Kind:       healthcode.ContactKind(e.Degree),
			CaseID:     "trace-" + strconv.FormatInt(c.trace.ID, 10),
			ExposedAt:  e.ExposedAt,
			ExternalID: id,
		}}
		return &c.row, nil
	}
	return nil, io.EOF
}

// visitor reports whether e is a person of another region, known here by
// the region and subject of their code.
func (c *contactRows) visitor(e *healthcode.Exposure) bool {
	return c.region != "" && e.PersonID == 0 && e.Region != "" && e.Region != c.region && len(e.Subject) > 0
}

// visitorContactID names a visitor's contacts row by the trace, their
// region and their subject, so applying a trace twice queues it once.
func visitorContactID(trace int64, e *healthcode.Exposure) string {
	return "trace-" + strconv.FormatInt(trace, 10) + "-" + e.Region + "-" + hex.EncodeToString(e.Subject)
}

// forward is a visitor's contacts row as it travels to their region
// (docs/federation.md, "What travels"): the fields a local row gets, the
// person named by subject, the ids prefixed with this region so the home
// region can tell whose trace it was.
func (c *contactRows) forward(e *healthcode.Exposure) *healthcode.OutboxRecord {
	id := c.region + "/" + visitorContactID(c.trace.ID, e)
	// A map of strings always marshals.
	body, _ := json.Marshal(map[string]string{
		"record_kind": healthcode.KindContacts, "id": id, "subject": hex.EncodeToString(e.Subject),
		"degree": e.Degree, "case_id": c.region + "/trace-" + strconv.FormatInt(c.trace.ID, 10),
		"last_exposure": e.ExposedAt.UTC().Format(time.RFC3339Nano),
	})
	return &healthcode.OutboxRecord{To: e.Region, Kind: healthcode.KindContacts, ID: id, Row: body}
}
