package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/importer"
)

// maxReceivedRecordBytes bounds the values of one record passed to the
// import, far above a record's few hundred bytes (an NDJSON file's line
// may be 64 KiB).
const maxReceivedRecordBytes = 32 << 10

// maxLoggedRecords bounds the records of one batch named in the log.
const maxLoggedRecords = 20

// readBatch decodes the records of p, finds the people they name by subject
// and sorts their values by kind, for run. It stores nothing; an error is
// one of the store.
func (r *HubReceiver) readBatch(ctx context.Context, p *receivedBatch) (*batchApply, error) {
	a := &batchApply{r: r, ctx: ctx, batch: p, rows: map[string][][]string{}, names: map[string][]string{}}
	a.sum.Records = int64(len(p.Records))
	recs, err := a.read()
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		a.add(rec)
	}
	return a, nil
}

// run imports the records read, kind by kind, through the node's import
// path, and sums up what became of them. An error is one of the store or
// of the import path itself: the batch is then not applied and comes
// again.
func (a *batchApply) run(imports *ImportService) (*healthcode.InboxSummary, error) {
	a.imports = imports
	for _, kind := range healthcode.RecordKinds {
		if err := a.importKind(kind); err != nil {
			return nil, err
		}
	}
	for _, n := range a.notes {
		a.r.log().WarnContext(a.ctx, "hub: record of the batch not applied", "batch", a.batch.ID, "from", a.batch.From,
			"record", n.id, "reason", n.reason)
	}
	if a.logged > maxLoggedRecords {
		a.r.log().WarnContext(a.ctx, "hub: more records of the batch not applied", "batch", a.batch.ID, "not_logged", a.logged-maxLoggedRecords)
	}
	return &a.sum, nil
}

// batchApply is the state of applying one batch.
type batchApply struct {
	r       *HubReceiver
	imports *ImportService
	ctx     context.Context
	batch   *receivedBatch
	people  map[string]healthcode.Identity // by string(subject)
	rows    map[string][][]string          // values by kind, in importer.Fields order
	names   map[string][]string            // importer.Fields by kind
	sum     healthcode.InboxSummary
	logged  int          // records not applied so far
	notes   []recordNote // the first maxLoggedRecords of them, logged by run
}

// receivedRecord is one record of a batch, read.
type receivedRecord struct {
	// fields are the record's values as the sender wrote them: numbers
	// reach the import as written, nothing is decoded and encoded again.
	fields  map[string]json.RawMessage
	kind    string
	id      string
	subject []byte
	bad     string // why it cannot go to the import
}

// read decodes the records and finds, in one go, the people they name by
// subject.
func (a *batchApply) read() ([]receivedRecord, error) {
	recs := make([]receivedRecord, len(a.batch.Records))
	var subjects [][]byte
	for i, raw := range a.batch.Records {
		rec := &recs[i]
		if f, ok := splitRecord(raw); ok {
			rec.fields = f
		} else if err := json.Unmarshal(raw, &rec.fields); err != nil || rec.fields == nil {
			rec.bad = "not a JSON object"
			continue
		}
		rec.kind = jsonString(rec.fields["record_kind"])
		rec.id = jsonString(rec.fields["id"])
		s, hasSubject := rec.fields["subject"]
		switch {
		case !healthcode.ValidRecordKind(rec.kind):
			rec.bad = "unknown kind " + strconv.Quote(rec.kind)
		case !strings.HasPrefix(rec.id, a.batch.From+"/") || len(rec.id) == len(a.batch.From)+1:
			// Only a prefixed id keeps a sender from overwriting, as a
			// correction, a record of this region or of another sender.
			rec.bad = "id is not prefixed with the sending region " + a.batch.From + "/"
		case hasSubject && string(s) != "null": // null is no subject
			subject, err := hex.DecodeString(jsonString(s))
			if err != nil || len(subject) != 16 {
				rec.bad = "subject is not 32 hex digits"
				continue
			}
			rec.subject = subject
			subjects = append(subjects, subject)
		}
	}
	if len(subjects) > 0 {
		var err error
		if a.people, err = a.r.Store.IdentitiesBySubject(a.ctx, subjects); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// jsonString is the string raw holds, "" when it holds none.
func jsonString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// add puts rec's values among the rows of its kind, naming the person by
// document, or counts why it cannot go.
func (a *batchApply) add(rec receivedRecord) {
	if rec.bad != "" {
		a.sum.Invalid++
		a.note(rec.id, rec.bad)
		return
	}
	names := a.fields(rec.kind)
	vals := make([]string, len(names))
	size := 0
	for i, name := range names {
		// A record here is about a person of this region: it must not be
		// forwarded again, whatever home_region it claims (Fields does not
		// list it).
		raw, ok := rec.fields[name]
		if !ok || rec.subject != nil && (name == "id_type" || name == "id_number") {
			continue // the subject names the person
		}
		v, ok := importer.JSONValue(raw)
		if !ok {
			a.sum.Invalid++
			a.note(rec.id, name+": must be a string, a number or true/false")
			return
		}
		vals[i], size = v, size+len(v)
	}
	if rec.subject != nil {
		p, ok := a.people[string(rec.subject)]
		if !ok {
			a.sum.UnknownSubject++
			a.note(rec.id, "no person here has the subject the record names")
			return
		}
		vals[slices.Index(names, "id_type")], vals[slices.Index(names, "id_number")] = string(p.IDType), p.IDNumber
	}
	if size > maxReceivedRecordBytes {
		a.sum.Invalid++
		a.note(rec.id, "the record is too large")
		return
	}
	a.rows[rec.kind] = append(a.rows[rec.kind], vals)
}

// fields is importer.Fields(kind), read once a batch.
func (a *batchApply) fields(kind string) []string {
	names, ok := a.names[kind]
	if !ok {
		names, _ = importer.Fields(kind)
		a.names[kind] = names
	}
	return names
}

// importKind feeds the rows of kind to the import.
func (a *batchApply) importKind(kind string) error {
	rows := a.rows[kind]
	if len(rows) == 0 {
		return nil
	}
	s, err := a.imports.ImportValues(a.ctx, kind, rows)
	if healthcode.ErrorCode(err) == healthcode.EINVALID {
		// Refused whole: with the values built here that is a row the
		// import cannot read, not a failure to retry.
		a.sum.Rejected += int64(len(rows))
		a.r.log().WarnContext(a.ctx, "hub: records of the batch refused by the import", "batch", a.batch.ID, "kind", kind,
			"records", len(rows), "err", err)
		return nil
	} else if err != nil {
		return err
	}
	a.sum.Accepted += s.Accepted
	a.sum.Duplicate += s.Duplicate
	a.sum.Corrected += s.Corrected
	a.sum.Rejected += s.Rejected
	a.sum.Pending += s.Pending
	if s.JobID != 0 {
		a.sum.Jobs = append(a.sum.Jobs, s.JobID)
	}
	for _, e := range s.Errors {
		a.note(e.ID, e.Field+": "+e.Reason)
	}
	return nil
}

// note holds a record of the batch that is not applied, for run to log
// (the first maxLoggedRecords of them): the batch is read ahead, and a
// round may stop before it lands.
func (a *batchApply) note(id, reason string) {
	a.logged++
	if a.logged <= maxLoggedRecords {
		a.notes = append(a.notes, recordNote{id, reason})
	}
}

// recordNote is a record of the batch not applied, and why.
type recordNote struct{ id, reason string }
