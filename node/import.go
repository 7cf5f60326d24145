package node

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/importer"
	"github.com/prometheus/client_golang/prometheus"
)

// ImportService implements healthcode.ImportService: it reads a provider's
// file with package importer, stores it in one transaction and starts the
// recompute of the statuses it touched.
type ImportService struct {
	Store healthcode.ImportStore
	// PersonKey names a person by document number (secret.Box.PersonKey).
	PersonKey func(idNumber string) []byte
	// Region is this node's: a row whose home_region names another is
	// queued for it in the outbox instead of stored. When empty, rows
	// naming a home_region are rejected.
	Region string
	// Recomputer is told after each import that changed something; nil
	// starts none (the command line runs it itself, synchronously).
	Recomputer healthcode.Recomputer
	Now        func() time.Time
	Logger     *slog.Logger
	Metrics    *ImportMetrics
	// LogEvery is the least time between two progress lines; default 5 s.
	LogEvery time.Duration
}

var _ healthcode.ImportService = (*ImportService)(nil)

// Import reads, validates and stores one file, then starts the recompute.
// The summary names every rejected row; a malformed file is refused whole.
func (s *ImportService) Import(ctx context.Context, kind, format string, r io.Reader) (*healthcode.ImportSummary, error) {
	now := s.Now()
	rd, err := importer.NewReader(kind, format, r, s.PersonKey, now)
	if err != nil {
		return nil, err
	}
	rd.SetRegion(s.Region)
	return s.store(ctx, kind, rd, now)
}

// ImportValues is Import for records already split into values (in the
// order of importer.Fields(kind)), as a hub batch's are: the same checks,
// store and recompute, without writing and parsing a file between. No
// record is forwarded to another region.
func (s *ImportService) ImportValues(ctx context.Context, kind string, rows [][]string) (*healthcode.ImportSummary, error) {
	now := s.Now()
	rd, err := importer.NewValuesReader(kind, rows, s.PersonKey, now)
	if err != nil {
		return nil, err
	}
	return s.store(ctx, kind, rd, now)
}

// store stores the rows rd reads and starts the recompute.
func (s *ImportService) store(ctx context.Context, kind string, rd *importer.Reader, now time.Time) (*healthcode.ImportSummary, error) {
	src := &progressSource{ImportSource: rd, ctx: ctx, logger: s.logger(), every: s.logEvery(),
		next: time.Now().Add(s.logEvery()), metrics: s.Metrics}
	start := time.Now()
	sum, err := s.Store.ImportRecords(ctx, src, now)
	if err != nil {
		s.logger().WarnContext(ctx, "import refused", "kind", kind, "rows_read", src.rows, "err", err)
		s.Metrics.refused(kind)
		return nil, err
	}
	s.Metrics.imported(sum)
	s.logger().InfoContext(ctx, "import done", "kind", kind, "accepted", sum.Accepted, "duplicate", sum.Duplicate,
		"corrected", sum.Corrected, "rejected", sum.Rejected, "pending", sum.Pending, "forwarded", sum.Forwarded, "elapsed", time.Since(start).Round(time.Millisecond))
	if s.Recomputer != nil && sum.Accepted+sum.Corrected > 0 {
		// The rows are stored and the statuses marked due, which every
		// read honours: a recompute that fails to start only delays the
		// bulk update, so the import still succeeds.
		job, err := s.Recomputer.Recompute(ctx, "import "+kind)
		if err != nil {
			s.logger().ErrorContext(ctx, "cannot start the recompute after an import", "kind", kind, "err", err)
		} else {
			sum.JobID = job.ID
		}
	}
	return sum, nil
}

func (s *ImportService) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *ImportService) logEvery() time.Duration {
	if s.LogEvery <= 0 {
		return 5 * time.Second
	}
	return s.LogEvery
}

// progressSource counts the rows read and logs how far a long import has
// come: the store reads the file inside its transaction, where nobody else
// can see it.
type progressSource struct {
	healthcode.ImportSource
	ctx     context.Context
	logger  *slog.Logger
	every   time.Duration
	next    time.Time
	rows    int64
	metrics *ImportMetrics
}

func (p *progressSource) Next() (*healthcode.ImportRow, error) {
	row, err := p.ImportSource.Next()
	if err != nil {
		return row, err
	}
	p.rows++
	if p.rows%4096 == 0 {
		p.metrics.read(p.Kind(), 4096)
		if now := time.Now(); now.After(p.next) {
			p.next = now.Add(p.every)
			p.logger.InfoContext(p.ctx, "import in progress", "kind", p.Kind(), "rows_read", p.rows, "line", row.Line)
		}
	}
	return row, nil
}

// ImportMetrics are the Prometheus metrics of imports. A nil *ImportMetrics
// records nothing.
type ImportMetrics struct {
	rowsRead *prometheus.CounterVec
	rows     *prometheus.CounterVec
	files    *prometheus.CounterVec
}

// NewImportMetrics registers the import metrics on reg.
func NewImportMetrics(reg prometheus.Registerer) *ImportMetrics {
	m := &ImportMetrics{
		rowsRead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_import_rows_read_total", Help: "Rows read from import files so far, by record kind (grows while an import runs).",
		}, []string{"kind"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_import_rows_total", Help: "Rows of committed imports, by record kind and outcome (accepted, duplicate, corrected, rejected, pending, forwarded).",
		}, []string{"kind", "outcome"}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_import_files_total", Help: "Import files, by record kind and result (imported, refused).",
		}, []string{"kind", "result"}),
	}
	reg.MustRegister(m.rowsRead, m.rows, m.files)
	return m
}

func (m *ImportMetrics) read(kind string, n int) {
	if m != nil {
		m.rowsRead.WithLabelValues(kind).Add(float64(n))
	}
}

func (m *ImportMetrics) refused(kind string) {
	if m != nil {
		m.files.WithLabelValues(kind, "refused").Inc()
	}
}

func (m *ImportMetrics) imported(s *healthcode.ImportSummary) {
	if m == nil {
		return
	}
	m.files.WithLabelValues(s.Kind, "imported").Inc()
	for outcome, n := range map[string]int64{"accepted": s.Accepted, "duplicate": s.Duplicate,
		"corrected": s.Corrected, "rejected": s.Rejected, "pending": s.Pending, "forwarded": s.Forwarded} {
		m.rows.WithLabelValues(s.Kind, outcome).Add(float64(n))
	}
}
