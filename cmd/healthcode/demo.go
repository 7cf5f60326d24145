package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gen"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/status"
)

// demoPersons is the size of the city `serve --demo` starts with: enough
// for every colour, small enough to seed in a blink.
const demoPersons = 200

// seedDemo fills a fresh store with a small synthetic city, its records and
// risk areas, and logs phone numbers of each colour to sign in with. A store
// that already holds people is left alone.
func seedDemo(ctx context.Context, db *sqlstore.DB, region string, policy *status.Policy, logger *slog.Logger) error {
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM persons LIMIT 1) t`).Scan(&n); err != nil {
		return healthcode.Internal(err, "demo: count persons")
	}
	if n > 0 {
		logger.Info("demo: the store already holds people; a demo city is seeded into a fresh one only")
		return nil
	}
	city, err := gen.NewCity(gen.Config{Persons: demoPersons, Seed: 1, Region: region, RiskShare: 0.1, Now: time.Now()})
	if err != nil {
		return fmt.Errorf("demo: %s", flagErrors(err))
	}
	sum, err := gen.Run(ctx, city, gen.Options{Store: db, Records: true, Policy: policy})
	if err != nil {
		return err
	}
	logger.Info("demo city seeded", "persons", sum.Persons, "green", sum.Colours[healthcode.Green],
		"yellow", sum.Colours[healthcode.Yellow], "red", sum.Colours[healthcode.Red], "risk_areas", len(city.RiskAreas()))
	for c := healthcode.Red; c >= healthcode.Green; c-- {
		for _, phone := range sum.Samples[c] {
			logger.Info("demo: sign in with", "phone", phone, "colour", c.String())
		}
	}
	return nil
}
