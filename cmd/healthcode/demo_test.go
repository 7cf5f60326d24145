package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/healthcode/healthcode/status"
	"github.com/healthcode/healthcode/storetest"
)

// TestSeedDemo: a fresh store gets a city and the log names phones of every
// colour; a store holding people is left alone.
func TestSeedDemo(t *testing.T) {
	db := storetest.MustOpenDB(t)
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	if err := seedDemo(context.Background(), db, "CN-330100", status.DefaultPolicy(), logger); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"demo city seeded", "persons=200", "colour=green", "colour=yellow", "colour=red"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	log.Reset()
	if err := seedDemo(context.Background(), db, "CN-330100", status.DefaultPolicy(), logger); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "already holds people") {
		t.Errorf("second start: %s", log.String())
	}
	if err := seedDemo(context.Background(), storetest.MustOpenDB(t), "CN-650100", status.DefaultPolicy(), logger); err == nil ||
		!strings.Contains(err.Error(), "--region") {
		t.Errorf("a region the generator does not know: %v", err)
	}
}
