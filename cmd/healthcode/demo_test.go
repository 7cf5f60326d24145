package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/status"
	"github.com/healthcode/healthcode/storetest"
)

// TestSeedDemo: a fresh store gets a city and the log names phones of every
// colour and a staff token of each role with pages; a store holding people
// is left alone.
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
	// A staff token of each role with pages, logged, that signs in with
	// its role (the venue's bound to a venue of the city).
	tokens := regexp.MustCompile(`msg="demo: staff sign in at /signin/staff with" role=(\w+) token=(hct_\S+)(?: venue=(\S+))?`).
		FindAllStringSubmatch(log.String(), -1)
	auth := node.NewAuthService(db, storetest.TestBox(t), node.LogSender{Logger: logger})
	var roles []string
	for _, m := range tokens {
		c, err := auth.Authenticate(context.Background(), m[2])
		if err != nil || string(c.Role) != m[1] || c.VenueID != m[3] {
			t.Errorf("demo token of %s: %+v %v", m[1], c, err)
			continue
		}
		if m[3] != "" {
			if _, err := db.FindVenue(context.Background(), m[3]); err != nil {
				t.Errorf("demo token of %s names venue %s: %v", m[1], m[3], err)
			}
		}
		roles = append(roles, m[1])
	}
	if strings.Join(roles, " ") != "admin health venue checkpoint" {
		t.Errorf("demo staff tokens for %q:\n%s", roles, log.String())
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
