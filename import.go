package healthcode

import (
	"context"
	"io"
	"time"
)

// Record kinds that data providers import (POST /api/v1/records/{kind},
// `healthcode import KIND FILE`). A provider token names one of them.
const (
	KindTests        = "tests"
	KindVaccinations = "vaccinations"
	KindCases        = "cases"
	KindContacts     = "contacts"
	KindQuarantines  = "quarantines"
	KindTravel       = "travel"
)

// RecordKinds lists the importable record kinds.
var RecordKinds = []string{KindTests, KindVaccinations, KindCases, KindContacts, KindQuarantines, KindTravel}

// ValidRecordKind reports whether kind is an importable record kind.
func ValidRecordKind(kind string) bool {
	for _, k := range RecordKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Import file formats.
const (
	FormatCSV    = "csv"
	FormatNDJSON = "ndjson"
)

// RowError says why one row of an import was rejected. Line counts from 1,
// the CSV header being line 1.
type RowError struct {
	Line   int64  `json:"line"`
	ID     string `json:"id,omitempty"` // the row's id, when it could be read
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// RowNote tells what an accepted row did beyond adding itself, e.g. that it
// corrected a row stored earlier under the same id.
type RowNote struct {
	Line int64  `json:"line"`
	ID   string `json:"id"`
	Note string `json:"note"`
}

// ImportSummary is the outcome of importing one file. Every row is counted
// once in Accepted (newly stored), Duplicate (already stored, or queued,
// as sent), Corrected (replaced a stored row with the same id), Forwarded
// (queued for the person's home region, another one) or Rejected (see
// Errors). Pending counts the stored rows that name nobody registered yet:
// they apply when that person saves a profile.
type ImportSummary struct {
	Kind        string     `json:"kind"`
	Accepted    int64      `json:"accepted"`
	Duplicate   int64      `json:"duplicate"`
	Corrected   int64      `json:"corrected"`
	Rejected    int64      `json:"rejected"`
	Pending     int64      `json:"pending"`
	Forwarded   int64      `json:"forwarded"` // queued in the outbox; nothing stored here
	Errors      []RowError `json:"errors"`
	Corrections []RowNote  `json:"corrections"`
	// JobID is the recompute job started for the statuses the import
	// touched; 0 when none was started.
	JobID int64 `json:"job_id,omitempty"`
}

// Reject counts a rejected row.
func (s *ImportSummary) Reject(e RowError) {
	s.Rejected++
	s.Errors = append(s.Errors, e)
}

// ImportRow is one row of an import file, validated. Exactly one of the
// record fields, the one of the file's kind, is filled; when Reject is set
// the row failed validation and holds nothing else.
type ImportRow struct {
	Line   int64
	ID     string // the provider's id, also ExternalID of the record
	Reject *RowError
	// Forward, when set, makes the row a record for another region: the
	// store queues it in the outbox, in the import's transaction, and
	// stores no record of its own. A source sets a fresh one each row.
	Forward *OutboxRecord

	Test        Test
	Vaccination Vaccination
	Case        Case
	Contact     Contact
	Quarantine  Quarantine
	Travel      Travel
}

// ImportSource yields the rows of one file, in order. Next returns the next
// row (the same *ImportRow may be reused by every call), io.EOF after the
// last one, or any other error when the file is malformed: then the whole
// import is refused.
type ImportSource interface {
	Kind() string
	Next() (*ImportRow, error)
}

// ImportStore stores imported records.
type ImportStore interface {
	// ImportRecords stores every row of src in one transaction: when src
	// fails, nothing of it is written. Rows whose id is stored already are
	// duplicates when unchanged and corrections when changed (for tests,
	// only with a later reported_at). The statuses of the registered people
	// the import touched are marked due at now for the Recomputer. Rows
	// with Forward set are queued in the outbox instead, in the same
	// transaction (see OutboxStore.QueueOutbox).
	ImportRecords(ctx context.Context, src ImportSource, now time.Time) (*ImportSummary, error)
}

// ImportService imports files of records from data providers and operators.
type ImportService interface {
	// Import reads a file of kind in format (FormatCSV or FormatNDJSON),
	// stores its good rows, reports its bad ones and starts recomputing the
	// statuses it touched. A malformed file is refused whole (EINVALID,
	// naming the line and the reason) and nothing is stored.
	Import(ctx context.Context, kind, format string, r io.Reader) (*ImportSummary, error)
}
