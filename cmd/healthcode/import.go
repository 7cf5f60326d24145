package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gctune"
	"github.com/healthcode/healthcode/node"
	"github.com/schollz/progressbar/v3"
)

func init() { commands["import"] = runImport }

// importReport is the machine-readable report written by --report.
type importReport struct {
	File    string                    `json:"file"`
	Summary *healthcode.ImportSummary `json:"summary"`
	Job     *healthcode.Job           `json:"recompute,omitempty"`
}

// runImport imports a file of records, then recomputes every status it
// touched before returning, so the operator sees the result whole. Exit 0
// when the file landed (rejected rows included), 1 when it was refused or
// the store failed, 2 on usage errors.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	gctune.Bulk()
	fs := newFlagSet("import", stderr)
	format := fs.String("format", "", "csv or ndjson; by the file's extension when empty")
	report := fs.String("report", "", "write the summary and every rejected row as JSON to this file")
	policyFile := envString(fs, "policy", "HEALTHCODE_POLICY", "", "region policy JSON file for the recompute; the embedded national default when empty")
	region := envString(fs, "region", "HEALTHCODE_REGION", "CN-330100",
		"this region's id: rows whose home_region names another are queued for it (sent by serve --hub)")
	sf := addStoreFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: healthcode import KIND FILE [--format csv|ndjson] [--report FILE] [--data DIR|--db URL]\n  KIND: %s\n", strings.Join(healthcode.RecordKinds, ", "))
		fs.PrintDefaults()
	}
	pos, err := parseAnywhere(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 2 {
		fs.Usage()
		return 2
	}
	kind, path := pos[0], pos[1]
	if !healthcode.ValidRecordKind(kind) {
		fmt.Fprintf(stderr, "import: unknown kind %q: must be one of %s\n", kind, strings.Join(healthcode.RecordKinds, ", "))
		return 2
	}
	if *format == "" {
		*format = formatOf(path)
	}
	if *format != healthcode.FormatCSV && *format != healthcode.FormatNDJSON {
		fmt.Fprintln(stderr, "import: --format: must be csv or ndjson (the file's extension does not tell)")
		return 2
	}
	policy, err := loadPolicy(*policyFile)
	if err != nil {
		fmt.Fprintf(stderr, "import: %v\n", err)
		return 2
	}
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(stderr, "import:", err)
		return 1
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		fmt.Fprintln(stderr, "import:", err)
		return 1
	}

	db, box, err := openStore(ctx, sf)
	if err != nil {
		fmt.Fprintln(stderr, "import: cannot open the store:", err)
		return 1
	}
	defer db.Close()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	imports := &node.ImportService{Store: db, PersonKey: box.PersonKey, Region: *region, Now: time.Now, Logger: logger}

	bar := progressbar.NewOptions64(info.Size(), progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("reading "+filepath.Base(path)), progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
	pr := progressbar.NewReader(f, bar)
	start := time.Now()
	sum, err := imports.Import(ctx, kind, *format, &pr)
	bar.Finish()
	if err != nil {
		fmt.Fprintf(stderr, "import: %s refused, nothing stored: %s\n", path, healthcode.ErrorMessage(err))
		if healthcode.ErrorCode(err) == healthcode.EINTERNAL {
			fmt.Fprintln(stderr, "import:", err)
		}
		return 1
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "%s: %d accepted, %d duplicate, %d corrected, %d rejected, %d pending (not registered yet), %d forwarded to other regions in %s\n",
		kind, sum.Accepted, sum.Duplicate, sum.Corrected, sum.Rejected, sum.Pending, sum.Forwarded, elapsed.Round(time.Millisecond))
	for i, e := range sum.Errors {
		if i == 10 {
			fmt.Fprintf(stdout, "  … %d more rejected rows (see --report)\n", len(sum.Errors)-10)
			break
		}
		fmt.Fprintf(stdout, "  line %d (id %q): %s: %s\n", e.Line, e.ID, e.Field, e.Reason)
	}

	var job *healthcode.Job
	if sum.Accepted+sum.Corrected > 0 {
		citizens := &node.CitizenService{Store: db, Policy: policy, Now: time.Now, Logger: logger}
		recompute := &node.Recompute{Store: db, Citizens: citizens}
		rbar := progressbar.NewOptions64(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("recomputing statuses"),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
		job, err = recompute.Run(ctx, "import "+kind, func(done, total int64) {
			rbar.ChangeMax64(total)
			rbar.Set64(done)
		})
		rbar.Finish()
		if err != nil {
			// The rows are stored and their statuses marked due: the next
			// recompute, or the next read, brings them up to date.
			fmt.Fprintln(stderr, "import: the file landed, but the recompute failed:", err)
		} else {
			fmt.Fprintf(stdout, "recomputed %d statuses, %d changed\n", job.Done, job.Changed)
		}
	}
	if *report != "" {
		data, _ := json.MarshalIndent(importReport{File: path, Summary: sum, Job: job}, "", "  ")
		if err := os.WriteFile(*report, append(data, '\n'), 0o600); err != nil {
			fmt.Fprintln(stderr, "import: --report:", err)
			return 1
		}
	}
	if err != nil {
		return 1
	}
	return 0
}

// formatOf guesses the format from a file name.
func formatOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return healthcode.FormatCSV
	case ".ndjson", ".jsonl":
		return healthcode.FormatNDJSON
	}
	return ""
}
