package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenFiles: the benchmark shape, one test per person, written to files.
func TestGenFiles(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := runCmd("gen", "--persons", "300", "--seed", "9", "--tests-per-person", "1", "--risk-share", "1",
		"--at", "2022-05-01T00:00:00+08:00", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "city generated") || !strings.Contains(stderr, "tests.csv=300") {
		t.Errorf("summary: %s", stderr)
	}
	for _, name := range []string{"tests.csv", "travel.csv", "persons.csv"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(rows) != 301 {
			t.Errorf("%s: %d rows, %v; want a header and one row per person", name, len(rows), err)
		}
	}
	first, _ := os.ReadFile(filepath.Join(dir, "persons.csv"))
	dir2 := t.TempDir()
	runCmd("gen", "--persons", "300", "--seed", "9", "--tests-per-person", "1", "--risk-share", "1",
		"--at", "2022-05-01T00:00:00+08:00", "--out", dir2)
	second, _ := os.ReadFile(filepath.Join(dir2, "persons.csv"))
	if !bytes.Equal(first, second) {
		t.Error("two runs with one seed and --at wrote different persons")
	}
}

func TestGenStore(t *testing.T) {
	args := append([]string{"gen", "--persons", "120", "--records", "--at", "2022-05-01T00:00:00+08:00"}, storeArgs(t)...)
	_, stderr, code := runCmd(args...)
	if code != 0 || !strings.Contains(stderr, "green=") || !strings.Contains(stderr, "venues=20 scans=180 ") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestGenScans: the venues and scans asked for go to the store; scans.csv
// may be left at its header.
func TestGenScans(t *testing.T) {
	dir := t.TempDir()
	args := append([]string{"gen", "--persons", "150", "--venues", "7", "--scans", "900", "--scan-days", "3", "--scans-csv=false",
		"--at", "2022-05-01T00:00:00+08:00", "--out", dir}, storeArgs(t)...)
	_, stderr, code := runCmd(args...)
	if code != 0 || !strings.Contains(stderr, "venues=7 scans=900 ") || !strings.Contains(stderr, "scans.csv=0 ") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for name, want := range map[string]int{"venues.csv": 8, "scans.csv": 1} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(rows) != want {
			t.Errorf("%s: %d rows, %v; want %d", name, len(rows), err, want)
		}
	}
}

func TestGenUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"gen", "--out", "x"}, "--persons: must be a positive number"},
		{[]string{"gen", "--persons", "5"}, "nothing to do"},
		{[]string{"gen", "--persons", "5", "--out", "x", "--risk-share", "2"}, "--risk-share: must be between 0 and 1"},
		{[]string{"gen", "--persons", "5", "--out", "x", "--region", "CN-650100"}, "--region:"},
		{[]string{"gen", "--persons", "5", "--out", "x", "--at", "yesterday"}, "--at: must be a time"},
		{[]string{"gen", "--persons", "5", "--out", "x", "--scans", "-1"}, "--scans: must be between"},
		{[]string{"gen", "--persons", "5", "--out", "x", "--venues", "-3"}, "--venues: must be between"},
		{[]string{"gen", "--persons", "5", "--out", "x", "--scan-days", "0"}, "--scan-days: must be between 1 and 366"},
		{[]string{"gen", "--persons", "5", "--out", "x", "--scan-days", "400"}, "--scan-days: must be between 1 and 366"},
	}
	for _, tt := range tests {
		_, stderr, code := runCmd(tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}
