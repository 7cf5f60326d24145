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
	if code != 0 || !strings.Contains(stderr, "green=") {
		t.Fatalf("exit %d: %s", code, stderr)
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
	}
	for _, tt := range tests {
		_, stderr, code := runCmd(tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}
