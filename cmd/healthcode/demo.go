package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/gen"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/status"
)

// demoPersons is the size of the city `serve --demo` starts with: enough
// for every colour, small enough to seed in a blink.
const demoPersons = 200

// seedDemo fills a fresh store with a small synthetic city, its records and
// risk areas, and logs phone numbers of each colour to sign in with and a
// staff token of each role that has pages. A store that already holds
// people is left alone.
func seedDemo(ctx context.Context, db *sqlstore.DB, region string, policy *status.Policy, logger *slog.Logger) error {
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM persons LIMIT 1) t`).Scan(&n); err != nil {
		return healthcode.Internal(err, "demo: count persons")
	}
	if n > 0 {
		logger.Info("demo: the store already holds people; a demo city is seeded into a fresh one only " +
			"(its staff tokens were logged at that first start; make more with `healthcode token create`)")
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
	return demoStaffTokens(ctx, db, logger)
}

// demoStaffTokens makes a staff token for each role that has pages — an
// admin, health staff, a venue's operator and a checkpoint at its door,
// on one of the demo city's venues — and logs them, so that whoever tries
// the demo reaches the staff pages at /signin/staff. Demo only: a real
// node's tokens are made with `healthcode token create` and shown once to
// the one who asked. They are logged when the city is seeded, on the
// first start.
func demoStaffTokens(ctx context.Context, db *sqlstore.DB, logger *slog.Logger) error {
	vs, err := db.ListVenues(ctx, healthcode.VenueFilter{Kind: healthcode.VenueMall, Limit: 1})
	if err == nil && len(vs) == 0 {
		vs, err = db.ListVenues(ctx, healthcode.VenueFilter{Limit: 1})
	}
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return healthcode.Errorf(healthcode.EINTERNAL, "demo: the city has no venue")
	}
	v := vs[0]
	now := time.Now()
	for _, r := range []node.StaffTokenRequest{
		{Role: healthcode.RoleAdmin, Name: "demo admin"},
		{Role: healthcode.RoleHealth, Name: "demo health staff"},
		{Role: healthcode.RoleVenue, Name: "demo operator of " + v.Name, VenueID: v.ID},
		{Role: healthcode.RoleCheckpoint, Name: "demo door of " + v.Name, VenueID: v.ID},
	} {
		token, _, err := node.CreateStaffToken(ctx, db, r, now)
		if err != nil {
			return err
		}
		attrs := []any{"role", string(r.Role), "token", token}
		if r.VenueID != "" {
			attrs = append(attrs, "venue", v.ID, "venue_name", v.Name)
		}
		logger.Info("demo: staff sign in at /signin/staff with", attrs...)
	}
	return nil
}
