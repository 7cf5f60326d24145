package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
)

func TestImportCommand(t *testing.T) {
	st := storeArgs(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "tests.csv")
	os.WriteFile(file, []byte("id,id_number,sampled_at,result\n"+
		"t1,11010519491231002X,2026-01-19,positive\n"+
		"t2,11010519491231002X,2026-01-19,maybe\n"), 0o600)
	report := filepath.Join(dir, "report.json")

	stdout, stderr, exit := runCmd(append([]string{"import", "tests", file, "--report", report}, st...)...)
	if exit != 0 {
		t.Fatalf("exit %d: %s", exit, stderr)
	}
	if !strings.Contains(stdout, "tests: 1 accepted, 0 duplicate, 0 corrected, 1 rejected, 1 pending") ||
		!strings.Contains(stdout, `line 3 (id "t2"): result: must be negative or positive`) {
		t.Errorf("stdout = %s", stdout)
	}
	var rep importReport
	data, _ := os.ReadFile(report)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report: %v: %s", err, data)
	}
	if rep.Summary == nil || rep.Summary.Accepted != 1 || len(rep.Summary.Errors) != 1 ||
		rep.Summary.Errors[0] != (healthcode.RowError{Line: 3, ID: "t2", Field: "result", Reason: "must be negative or positive"}) {
		t.Errorf("report = %s", data)
	}

	// Again: all duplicates, still a success.
	stdout, _, exit = runCmd(append([]string{"import", "tests", file}, st...)...)
	if exit != 0 || !strings.Contains(stdout, "0 accepted, 1 duplicate") {
		t.Errorf("second run: exit %d, %s", exit, stdout)
	}

	// A truncated file is refused whole.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("id,id_number,sampled_at,result\nt9,11010519491231002X,\"2026"), 0o600)
	_, stderr, exit = runCmd(append([]string{"import", "tests", bad}, st...)...)
	if exit != 1 || !strings.Contains(stderr, "refused, nothing stored: line 2: ") {
		t.Errorf("bad file: exit %d, %s", exit, stderr)
	}

	// Usage errors.
	for _, args := range [][]string{{"import", "tests"}, {"import", "x-rays", file}, {"import", "tests", filepath.Join(dir, "f.txt")}} {
		if _, _, exit := runCmd(append(args, st...)...); exit != 2 {
			t.Errorf("%v: exit %d, want 2", args, exit)
		}
	}
}

// A row naming another home region is queued for it, not stored here,
// and the summary says so; one naming this region is imported.
func TestImportCommandForwards(t *testing.T) {
	st := storeArgs(t)
	file := filepath.Join(t.TempDir(), "tests.csv")
	os.WriteFile(file, []byte("id,id_number,sampled_at,result,home_region\n"+
		"t1,11010519491231002X,2026-01-19,positive,CN-440100\n"+
		"t2,11010519491231002X,2026-01-19,negative,CN-330100\n"), 0o600)
	stdout, stderr, exit := runCmd(append([]string{"import", "tests", file, "--region", "CN-330100"}, st...)...)
	if exit != 0 || !strings.Contains(stdout, "tests: 1 accepted, 0 duplicate, 0 corrected, 0 rejected, 1 pending (not registered yet), 1 forwarded to other regions") {
		t.Fatalf("exit %d: %s%s", exit, stdout, stderr)
	}
}
