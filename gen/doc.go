// Package gen builds a synthetic city for demos, tests and benchmarks:
// persons with valid resident IDs, Chinese (and a few Latin) names, unique
// mainland mobile numbers and addresses over real GB/T 2260 divisions;
// venues of every kind; and their records (tests, vaccinations, cases with
// contacts, quarantines, travel, venue scans).
//
// A city is a pure function of its Config: person i is drawn from a random
// source seeded by (Seed, i) alone, so persons can be made one at a time,
// in any order and in constant memory, and the same Config always gives the
// same city. Identifiers that must be unique (phone numbers, document
// numbers) come from bijections of the index, never from luck.
//
//	c, err := gen.NewCity(gen.Config{Persons: 1000, Seed: 1, Region: "CN-330100", Now: now})
//	p := c.Person(0)
//
// Run writes a city as the import files of issue 3 (one CSV per record
// kind, persons.csv, venues.csv, scans.csv, risk-areas.json) and registers
// its persons, venues and scan log in a store through sqlstore's bulk
// seeding. The scans are stays (visits.go): the tracing benchmarks' city
// is 1,000,000 persons, 20,000 venues and 10,000,000 scans over 30 days.
package gen
