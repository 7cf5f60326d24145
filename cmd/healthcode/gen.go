package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gen"
	"github.com/schollz/progressbar/v3"
)

func init() { commands["gen"] = runGen }

const genUsage = `Usage: healthcode gen --persons N [--seed S] [--out DIR] [--data DIR|--db URL] [--region CN-330100]
       [--risk-share 0.1] [--risk-division 310104] [--tests-per-person 0] [--records] [--at RFC3339]
       [--venues N] [--scans N] [--scan-days 30] [--scans-csv=false]

Builds a synthetic city, the same for the same seed and --at. --out writes the
import files (tests.csv, vaccinations.csv, cases.csv, contacts.csv,
quarantines.csv, travel.csv, persons.csv, venues.csv, scans.csv,
risk-areas.json); --data or --db registers the persons in a store (profile,
first declaration, status) with the venues and the scan log, and --records
stores their records and the risk areas too.

The scans are stays over the --scan-days before --at: an in scan and, for
most, an out scan after a stay typical of the venue's kind, people going
back to a few favourite venues, a few venues busy and most quiet. The
tracing benchmarks' city:

    healthcode gen --persons 1000000 --venues 20000 --scans 10000000 --data DIR
`

func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("gen", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, genUsage); fs.PrintDefaults() }
	persons := fs.Int("persons", 0, "number of persons (required)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same city")
	out := fs.String("out", "", "directory to write the import files to")
	sf := addStoreFlags(fs)
	region := envString(fs, "region", "HEALTHCODE_REGION", "CN-330100", "the region the city lies in")
	riskShare := fs.Float64("risk-share", 0.1, "share of persons (0 to 1) who stayed in --risk-division")
	riskDivision := fs.String("risk-division", "310104", "division of the risk-area demo stays")
	testsPer := fs.Int("tests-per-person", 0, "exactly this many tests per person; 0 for the realistic mix")
	records := fs.Bool("records", false, "with --data/--db: store the records and risk areas too")
	atFlag := fs.String("at", "", "the city's present (RFC 3339); default the start of today in China")
	venues := envInt(fs, "venues", "HEALTHCODE_GEN_VENUES", 0, "number of venues; 0 for one per 50 persons, at least 20")
	scans := envInt(fs, "scans", "HEALTHCODE_GEN_SCANS", 0, "number of scans of all persons together; 0 for 3 per 2 persons")
	scanDays := envInt(fs, "scan-days", "HEALTHCODE_GEN_SCAN_DAYS", 30, "days before --at the scans spread over")
	scansCSV := envBool(fs, "scans-csv", "HEALTHCODE_GEN_SCANS_CSV", true, "with --out: write the scans to scans.csv (false: its header only)")
	if _, err := parseAnywhere(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	store := false
	fs.Visit(func(f *flag.Flag) { store = store || f.Name == "data" || f.Name == "db" })
	if *persons <= 0 {
		fmt.Fprintln(stderr, "gen: --persons: must be a positive number")
		return 2
	}
	if *out == "" && !store {
		fmt.Fprintln(stderr, "gen: nothing to do: give --out DIR, --data DIR or --db URL")
		return 2
	}
	if *scanDays < 1 {
		fmt.Fprintln(stderr, "gen: --scan-days: must be between 1 and 366")
		return 2
	}
	now, err := genNow(*atFlag)
	if err != nil {
		fmt.Fprintln(stderr, "gen: --at:", err)
		return 2
	}
	city, err := gen.NewCity(gen.Config{Persons: *persons, Seed: *seed, Region: *region, RiskShare: *riskShare,
		RiskDivision: *riskDivision, TestsPerPerson: *testsPer, Now: now, Venues: *venues, Scans: *scans, ScanDays: *scanDays})
	if err != nil {
		fmt.Fprintln(stderr, "gen:", flagErrors(err))
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	opts := gen.Options{Records: *records}
	if *out != "" {
		if opts.Files, err = gen.CreateFiles(*out); err != nil {
			fmt.Fprintln(stderr, "gen:", err)
			return 1
		}
		opts.Files.NoScans = !*scansCSV
	}
	if store {
		db, _, err := openStore(ctx, sf)
		if err != nil {
			fmt.Fprintln(stderr, "gen: cannot open the store:", err)
			return 1
		}
		defer db.Close()
		if db.Backend() == "sqlite" {
			// One connection with a large page cache: the unique indexes
			// over random hashes are written all over, and re-reading
			// their pages from disk is what makes a large seed slow.
			// Without fsync a crash mid-seed may lose the database, which
			// is then simply generated again.
			db.SQL().SetMaxOpenConns(1)
			for _, pragma := range []string{`PRAGMA cache_size = -262144`, `PRAGMA synchronous = OFF`} {
				if _, err := db.SQL().ExecContext(ctx, pragma); err != nil {
					fmt.Fprintln(stderr, "gen: sqlite:", err)
					return 1
				}
			}
		}
		// 10,000 persons a transaction, with their scans (100,000 in the
		// tracing benchmarks' city): 20,000 seeded no faster and held
		// 140 MiB more at once.
		opts.Store, opts.Batch = db, 10000
		opts.Indexing = func() {
			fmt.Fprintln(stderr, "gen: scans stored; building the scan log's indexes")
			// The batches are garbage now: give their memory back before
			// SQLite sorts.
			debug.FreeOSMemory()
		}
	}
	bar := progressbar.NewOptions(*persons, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("persons"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("persons"),
		progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
	last := 0
	opts.Progress = func(done int) { bar.Add(done - last); last = done }
	// Once the persons are in, the scans go in: a bar of their own.
	var scanBar *progressbar.ProgressBar
	var lastScans int64
	opts.ScanProgress = func(done int64) {
		if scanBar == nil {
			scanBar = progressbar.NewOptions64(int64(city.Config().Scans), progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription("scans"), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("scans"), progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
		}
		scanBar.Add64(done - lastScans)
		lastScans = done
	}

	start := time.Now()
	sum, err := gen.Run(ctx, city, opts)
	if opts.Files != nil {
		if cerr := opts.Files.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "\ngen:", healthcode.ErrorMessage(err))
		logger.Debug("gen failed", "err", err)
		return 1
	}
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	args2 := []any{"persons", sum.Persons, "seed", *seed, "at", now.Format(time.RFC3339), "took", time.Since(start).Round(time.Millisecond),
		"heap_peak_mib", mem.HeapSys >> 20}
	if *out != "" {
		for _, name := range []string{"tests.csv", "vaccinations.csv", "cases.csv", "contacts.csv", "quarantines.csv", "travel.csv", "scans.csv"} {
			args2 = append(args2, name, sum.Rows[name])
		}
		args2 = append(args2, "out", *out)
	}
	if store {
		args2 = append(args2, "venues", sum.Venues, "scans", sum.Scans, "seeding", sum.Seeding.Round(time.Millisecond),
			"scan_seeding", sum.ScanSeeding.Round(time.Millisecond), "indexing", sum.Indexing.Round(time.Millisecond),
			"green", sum.Colours[0], "yellow", sum.Colours[1], "red", sum.Colours[2])
	}
	logger.Info("city generated", args2...)
	return 0
}

// genNow is the city's present: --at, or the start of today in China so
// that a city made twice on one day is the same.
func genNow(at string) (time.Time, error) {
	if at == "" {
		cst := time.FixedZone("CST", 8*3600)
		y, m, d := time.Now().In(cst).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, cst), nil
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, fmt.Errorf("must be a time like 2022-05-01T00:00:00+08:00")
	}
	if t.After(time.Now()) {
		return time.Time{}, fmt.Errorf("must not be in the future: importers refuse records from the future")
	}
	return t, nil
}

// flagErrors names the flags of a config error ("--persons: …").
func flagErrors(err error) string {
	fields := healthcode.ErrorFields(err)
	if len(fields) == 0 {
		return healthcode.ErrorMessage(err)
	}
	msg := ""
	for _, k := range []string{"persons", "region", "risk-share", "risk-division", "tests-per-person", "venues", "scans", "scan-days", "now"} {
		if v, ok := fields[k]; ok {
			if msg != "" {
				msg += "; "
			}
			msg += "--" + k + ": " + v
		}
	}
	return msg
}
