package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/importer"
)

// maxReceivedRecordBytes bounds one record passed to the import, far above
// a record's few hundred bytes and below the import's 64 KiB line, which
// would refuse the whole kind.
const maxReceivedRecordBytes = 32 << 10

// maxLoggedRecords bounds the records of one batch named in the log.
const maxLoggedRecords = 20

// apply imports the records of p, kind by kind, through the node's import
// path, and sums up what became of them. An error is one of the store or
// of the import path itself: the batch is then not applied and comes again.
func (r *HubReceiver) apply(ctx context.Context, p *receivedBatch) (*healthcode.InboxSummary, error) {
	a := &batchApply{r: r, ctx: ctx, batch: p, rows: map[string][][]byte{}}
	a.sum.Records = int64(len(p.Records))
	recs, err := a.read()
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		a.add(rec)
	}
	for _, kind := range healthcode.RecordKinds {
		if err := a.importKind(kind); err != nil {
			return nil, err
		}
	}
	if a.logged > maxLoggedRecords {
		r.log().WarnContext(ctx, "hub: more records of the batch not applied", "batch", p.ID, "not_logged", a.logged-maxLoggedRecords)
	}
	return &a.sum, nil
}

// batchApply is the state of applying one batch.
type batchApply struct {
	r      *HubReceiver
	ctx    context.Context
	batch  *receivedBatch
	people map[string]healthcode.Identity // by string(subject)
	rows   map[string][][]byte            // NDJSON lines by kind
	sum    healthcode.InboxSummary
	logged int // records named in the log so far
}

// receivedRecord is one record of a batch, read.
type receivedRecord struct {
	fields  map[string]any
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
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // numbers reach the import as the sender wrote them
		if err := dec.Decode(&rec.fields); err != nil || rec.fields == nil {
			rec.bad = "not a JSON object"
			continue
		}
		rec.kind, _ = rec.fields["record_kind"].(string)
		rec.id, _ = rec.fields["id"].(string)
		s := rec.fields["subject"]
		switch hexSubject, _ := s.(string); {
		case !healthcode.ValidRecordKind(rec.kind):
			rec.bad = "unknown kind " + strconv.Quote(rec.kind)
		case !strings.HasPrefix(rec.id, a.batch.From+"/") || len(rec.id) == len(a.batch.From)+1:
			// Only a prefixed id keeps a sender from overwriting, as a
			// correction, a record of this region or of another sender.
			rec.bad = "id is not prefixed with the sending region " + a.batch.From + "/"
		case s != nil: // null is no subject
			subject, err := hex.DecodeString(hexSubject)
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

// add puts rec among the rows of its kind, naming the person by document,
// or counts why it cannot go.
func (a *batchApply) add(rec receivedRecord) {
	if rec.bad != "" {
		a.sum.Invalid++
		a.note(rec.id, rec.bad)
		return
	}
	row := make(map[string]any, len(rec.fields))
	names, _ := importer.Fields(rec.kind)
	for _, name := range names {
		// A record here is about a person of this region: it must not be
		// forwarded again, whatever home_region it claims.
		if v, ok := rec.fields[name]; ok && name != importer.HomeRegion {
			row[name] = v
		}
	}
	if rec.subject != nil {
		p, ok := a.people[string(rec.subject)]
		if !ok {
			a.sum.UnknownSubject++
			a.note(rec.id, "no person here has the subject the record names")
			return
		}
		row["id_type"], row["id_number"] = string(p.IDType), p.IDNumber
	}
	line, err := json.Marshal(row)
	if err != nil || len(line) > maxReceivedRecordBytes {
		a.sum.Invalid++
		a.note(rec.id, "the record is too large")
		return
	}
	a.rows[rec.kind] = append(a.rows[rec.kind], line)
}

// importKind feeds the rows of kind to the import as one NDJSON file.
func (a *batchApply) importKind(kind string) error {
	rows := a.rows[kind]
	if len(rows) == 0 {
		return nil
	}
	file := bytes.Join(rows, []byte("\n"))
	s, err := a.r.Import.Import(a.ctx, kind, healthcode.FormatNDJSON, bytes.NewReader(file))
	if healthcode.ErrorCode(err) == healthcode.EINVALID {
		// The file was refused whole: with the lines built here that is a
		// row the import cannot read, not a failure to retry.
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

// note logs a record of the batch that is not applied, up to
// maxLoggedRecords of them.
func (a *batchApply) note(id, reason string) {
	a.logged++
	if a.logged <= maxLoggedRecords {
		a.r.log().WarnContext(a.ctx, "hub: record of the batch not applied", "batch", a.batch.ID, "from", a.batch.From,
			"record", id, "reason", reason)
	}
}
