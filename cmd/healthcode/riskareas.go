package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gctune"
	"github.com/healthcode/healthcode/node"
)

func init() { commands["risk-areas"] = runRiskAreas }

const riskAreasUsage = `Usage:
  healthcode risk-areas set  [--policy FILE] [--data DIR|--db URL] FILE.json
  healthcode risk-areas list [--data DIR|--db URL]

set replaces the region's risk area list with FILE.json (an array of
{division, area, level, from, to}, as PUT /api/v1/risk-areas takes), marks
the people whose stays it touches and recomputes them, showing progress.
`

func runRiskAreas(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	gctune.Bulk()
	if len(args) == 0 || (args[0] != "set" && args[0] != "list") {
		fmt.Fprint(stderr, riskAreasUsage)
		return 2
	}
	fs := newFlagSet("risk-areas "+args[0], stderr)
	sf := addStoreFlags(fs)
	policyFile := envString(fs, "policy", "HEALTHCODE_POLICY", "", "region policy JSON file; the embedded national default when empty")
	pos, err := parseAnywhere(fs, args[1:])
	if err != nil {
		return 2
	}
	if (args[0] == "set") != (len(pos) == 1) || len(pos) > 1 {
		fmt.Fprint(stderr, riskAreasUsage)
		return 2
	}
	policy, err := loadPolicy(*policyFile)
	if err != nil {
		fmt.Fprintf(stderr, "risk-areas: %v\n", err)
		return 2
	}
	var areas []healthcode.RiskArea
	if args[0] == "set" {
		if areas, err = readRiskAreas(pos[0]); err != nil {
			fmt.Fprintf(stderr, "risk-areas set: %s: %v\n", pos[0], err)
			return 1
		}
	}

	db, _, err := openStore(ctx, sf)
	if err != nil {
		fmt.Fprintln(stderr, "risk-areas:", err)
		return 1
	}
	defer db.Close()
	r := &node.Recompute{Store: db, Citizens: &node.CitizenService{Store: db, Policy: policy, Now: time.Now}}
	if args[0] == "list" {
		list, err := r.RiskAreas(ctx)
		if err != nil {
			return fail(stderr, "risk-areas list", err)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(riskAreasJSON(list))
		return 0
	}

	start := time.Now()
	touched, err := r.ReplaceRiskAreas(ctx, areas)
	if err != nil {
		return failFields(stderr, "risk-areas set", err)
	}
	fmt.Fprintf(stderr, "%d risk areas set; %d people touched (%.1f s)\n", len(areas), touched, time.Since(start).Seconds())
	var last time.Time
	job, err := r.Run(ctx, "risk areas changed", func(done, total int64) {
		if time.Since(last) >= time.Second || done == total {
			last = time.Now()
			fmt.Fprintf(stderr, "\rrecompute: %d/%d (%d%%)", done, total, done*100/max(total, 1))
		}
	})
	fmt.Fprintln(stderr)
	if err != nil {
		return fail(stderr, "risk-areas set: recompute", err)
	}
	took := time.Since(start)
	fmt.Fprintf(stderr, "recomputed %d statuses, %d changed, in %.2f s in all (%.0f statuses/s)\n",
		job.Done, job.Changed, took.Seconds(), float64(job.Done)/took.Seconds())
	json.NewEncoder(stdout).Encode(map[string]any{"touched": touched, "job_id": job.ID, "evaluated": job.Done,
		"changed": job.Changed, "seconds": took.Seconds()})
	return 0
}

// riskAreaFile is one entry of FILE.json, the API's shape.
type riskAreaFile struct {
	Division string    `json:"division"`
	Area     string    `json:"area"`
	Level    string    `json:"level"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to,omitzero"`
}

func readRiskAreas(name string) ([]healthcode.RiskArea, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var in []riskAreaFile
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("not a JSON array of risk areas: %v", err)
	}
	areas := make([]healthcode.RiskArea, len(in))
	for i, a := range in {
		areas[i] = healthcode.RiskArea{Division: a.Division, Area: a.Area, Level: healthcode.RiskLevel(a.Level), From: a.From, Until: a.To}
	}
	return areas, nil
}

func riskAreasJSON(list []healthcode.RiskArea) []riskAreaFile {
	out := make([]riskAreaFile, len(list))
	for i, a := range list {
		out[i] = riskAreaFile{Division: a.Division, Area: a.Area, Level: string(a.Level), From: a.From, To: a.Until}
	}
	return out
}

// failFields prints err with each bad entry named as in the file
// (`[3].level`), and returns exit code 1.
func failFields(stderr io.Writer, what string, err error) int {
	fmt.Fprintf(stderr, "%s: %s\n", what, healthcode.ErrorMessage(err))
	fields := healthcode.ErrorFields(err)
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		fmt.Fprintf(stderr, "  %s: %s\n", f, fields[f])
	}
	if healthcode.ErrorCode(err) == healthcode.EINTERNAL {
		fmt.Fprintf(stderr, "  cause: %v\n", err)
	}
	return 1
}
