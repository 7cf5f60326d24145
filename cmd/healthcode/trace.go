package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gctune"
	"github.com/healthcode/healthcode/node"
	"github.com/schollz/progressbar/v3"
)

func init() { commands["trace"] = runTrace }

// runTrace traces an outbreak from a file of cases, with progress, prints
// what it found by degree, and with --apply stores the trace and turns it
// into contacts records at once.
func runTrace(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	gctune.Bulk()
	fs := newFlagSet("trace", stderr)
	casesFile := fs.String("cases", "", "CSV of cases: id_type,id_number[,from,to] (RFC 3339), with that header")
	out := fs.String("out", "", "write the exposed people to this file: .csv, else JSON")
	apply := fs.Bool("apply", false, "store the trace and apply it: contacts records, statuses recomputed")
	region := envString(fs, "region", "HEALTHCODE_REGION", "CN-330100", "this region's id: CN- and its GB/T 2260 code")
	policyFile := envString(fs, "policy", "HEALTHCODE_POLICY", "", "region policy JSON file; the embedded national default when empty")
	sf := addStoreFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: healthcode trace --cases FILE [--out FILE] [--apply] [--data DIR|--db URL]")
		fs.PrintDefaults()
	}
	if _, err := parseAnywhere(fs, args); err != nil {
		return 2
	}
	if *casesFile == "" {
		fs.Usage()
		return 2
	}
	cases, err := readTraceCases(*casesFile)
	if err != nil {
		fmt.Fprintln(stderr, "trace:", err)
		return 2
	}
	policy, err := loadPolicy(*policyFile)
	if err != nil {
		fmt.Fprintf(stderr, "trace: %v\n", err)
		return 2
	}
	db, _, err := openStore(ctx, sf)
	if err != nil {
		fmt.Fprintln(stderr, "trace: cannot open the store:", err)
		return 1
	}
	defer db.Close()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	citizens := &node.CitizenService{Store: db, Policy: policy, Now: time.Now, Logger: logger}
	tr := &node.TraceService{Store: db, Region: *region, Rules: policy.TraceRules, Now: time.Now, Logger: logger,
		Recompute: &node.Recompute{Store: db, Citizens: citizens}}

	bar := progressbar.NewOptions(len(cases), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("tracing cases"),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
	start := time.Now()
	// Each case's own time, from one progress call to the next.
	perCase := make([]time.Duration, 0, len(cases))
	last := start
	t, err := tr.Run(ctx, cases, func(done, _ int) {
		now := time.Now()
		perCase, last = append(perCase, now.Sub(last)), now
		bar.Set(done)
	})
	bar.Finish()
	if err != nil {
		fmt.Fprintln(stderr, "trace:", err)
		return 1
	}
	took := time.Since(start)
	byDegree := map[string]int{}
	for _, e := range t.Exposures {
		byDegree[e.Degree]++
	}
	fmt.Fprintf(stdout, "%d cases (%d naming nobody registered here), %d visits: %d close, %d secondary, %d companions in %s\n",
		len(cases), t.Unresolved, len(t.Visits), byDegree[healthcode.DegreeClose], byDegree[healthcode.DegreeSecondary],
		byDegree[healthcode.DegreeCompanion], took.Round(time.Millisecond))
	if len(perCase) > 1 {
		slices.Sort(perCase)
		at := func(q float64) time.Duration {
			return perCase[int(q*float64(len(perCase)-1))].Round(10 * time.Microsecond)
		}
		fmt.Fprintf(stdout, "a case took: median %s, p90 %s, p99 %s, slowest %s\n", at(0.5), at(0.9), at(0.99), at(1))
	}
	if *out != "" {
		if err := writeTraceFile(*out, t); err != nil {
			fmt.Fprintln(stderr, "trace:", err)
			return 1
		}
	}
	if !*apply {
		return 0
	}
	t.State, t.FinishedAt = healthcode.JobDone, time.Now()
	if err := db.CreateTrace(ctx, t); err != nil {
		fmt.Fprintln(stderr, "trace: store:", err)
		return 1
	}
	start = time.Now()
	sum, err := tr.ApplyTrace(ctx, t.ID)
	if err != nil {
		fmt.Fprintln(stderr, "trace: apply:", err)
		return 1
	}
	fmt.Fprintf(stdout, "trace %d applied: %d contacts stored, %d already were, statuses recomputed in %s\n",
		t.ID, sum.Accepted+sum.Corrected, sum.Duplicate, time.Since(start).Round(time.Millisecond))
	return 0
}

// readTraceCases reads a CSV of cases with a header naming its columns.
func readTraceCases(path string) ([]healthcode.TraceCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: no header line", path)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	if _, ok := col["id_number"]; !ok {
		return nil, fmt.Errorf("%s: the header has no id_number column", path)
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var cases []healthcode.TraceCase
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: line %d: not CSV", path, line)
		}
		c := healthcode.TraceCase{IDType: healthcode.IDType(get(rec, "id_type")), IDNumber: get(rec, "id_number")}
		if c.IDType == "" {
			c.IDType = healthcode.IDResident
		}
		for _, f := range []struct {
			name string
			dst  *time.Time
		}{{"from", &c.From}, {"to", &c.To}} {
			if v := get(rec, f.name); v != "" {
				if *f.dst, err = time.Parse(time.RFC3339, v); err != nil {
					return nil, fmt.Errorf("%s: line %d: %s: not an RFC 3339 time", path, line, f.name)
				}
			}
		}
		if c.IDNumber == "" {
			return nil, fmt.Errorf("%s: line %d: id_number: is required", path, line)
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("%s: no cases", path)
	}
	return cases, nil
}

// writeTraceFile writes the exposed people as CSV (by the name) or JSON.
func writeTraceFile(path string, t *healthcode.Trace) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if !strings.HasSuffix(path, ".csv") {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		if err := enc.Encode(t.Exposures); err != nil {
			return err
		}
		return f.Close()
	}
	w := csv.NewWriter(f)
	w.Write([]string{"degree", "person_id", "region", "case", "venue_id", "from", "to", "overlap_minutes", "exposed_at"})
	for _, e := range t.Exposures {
		w.Write([]string{e.Degree, strconv.FormatInt(e.PersonID, 10), e.Region, e.CaseRef, e.VenueID,
			e.From.Format(time.RFC3339), e.To.Format(time.RFC3339), strconv.FormatFloat(e.Overlap.Minutes(), 'f', 1, 64),
			e.ExposedAt.Format(time.RFC3339)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return f.Close()
}
